//! The gateway's view of apps and certificates, swapped whole.
//!
//! [`Snapshots::reload`] re-reads every app and certificate from the store, builds a new
//! [`Snapshot`] and swaps it in; nothing is edited in place. Reloads are serialised, so an older
//! view never replaces a newer one. When the certificates differ from the previous view's (one
//! issued, revoked or gone), every [`SnapshotObserver`] is told: the gateway rebuilds its TLS
//! config then, and with it its session cache, so a session resumed after a revocation cannot
//! skip the certificate check. Polling every second therefore costs no resumption.
//!
//! Until the first reload the snapshot is empty and admits no certificate (fail closed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use intoss_proto::IpAllowlist;
use intoss_store::{Store, StoreError};

use crate::{Clock, CoreError};

/// An app as the gateway sees it.
#[derive(Debug, Clone)]
pub struct AppEntry {
    /// Name.
    pub name: String,
    /// Requests per minute.
    pub qpm: u32,
    /// Source-IP allowlist.
    pub allowlist: IpAllowlist,
    /// Faults injected into its gateway answers, oldest first (empty: none, the usual case).
    pub faults: Arc<[FaultRule]>,
    /// Seconds its test clock is ahead of wall-clock time (`intoss clock advance`; 0: none).
    pub clock_offset: i64,
    /// Test mode: may send `X-Intoss-Fault`; the journal keeps its bodies, masked.
    pub test_mode: bool,
}

impl AppEntry {
    /// The app's time, Unix seconds: wall-clock time plus its test clock's offset. What its
    /// codes, tokens, payments and promotion keys are issued at and expire by. (Certificate
    /// validity in the handshake stays on wall-clock time.)
    pub fn now(&self) -> i64 {
        crate::unix_now().saturating_add(self.clock_offset)
    }
}

/// A fault injected into an app's gateway answers (`intoss fault add`).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// `flt_…`.
    pub id: String,
    /// Requests whose path starts with this are candidates.
    pub path_prefix: String,
    /// The share of candidates hit, in (0, 1].
    pub probability: f64,
    /// What a hit does.
    pub action: intoss_proto::api::sandbox::FaultAction,
}

/// A certificate as the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertEntry {
    /// The app it belongs to.
    pub app: String,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// Whether it is revoked.
    pub revoked: bool,
    /// SHA-256 of the issued certificate's DER; `None` if the stored PEM does not decode (then
    /// no connection can match it: fail closed).
    pub fingerprint: Option<[u8; 32]>,
}

impl CertEntry {
    /// Whether a presented certificate with this fingerprint is the one issued.
    pub fn is(&self, fingerprint: &[u8; 32]) -> bool {
        self.fingerprint.as_ref() == Some(fingerprint)
    }
}

/// Everything the request path needs, swapped whole on every change.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Apps by name.
    pub apps: foldhash::HashMap<String, Arc<AppEntry>>,
    /// Certificates by serial (lowercase hex).
    pub certs: foldhash::HashMap<String, CertEntry>,
}

impl Snapshot {
    /// Reads every app and certificate.
    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let apps = store.list_apps().await?;
        let certs = store.list_certs(None).await?;
        let mut faults: foldhash::HashMap<String, Vec<FaultRule>> = foldhash::HashMap::default();
        for f in store.list_faults(None).await? {
            match serde_json::from_str(&f.action) {
                Ok(action) => faults.entry(f.app_name).or_default().push(FaultRule {
                    id: f.id,
                    path_prefix: f.path_prefix,
                    probability: f.probability,
                    action,
                }),
                // A fault is a test's wish, not a security rule: one this version cannot read
                // is left out (and said), the app's requests are served.
                Err(e) => {
                    tracing::error!(fault = %f.id, error = %e, "stored fault does not decode; it is not applied")
                }
            }
        }
        let settings: foldhash::HashMap<String, intoss_store::SandboxSettings> =
            store.sandbox_settings(None).await?.into_iter().collect();
        let mut snap = Self::default();
        for a in apps {
            let allowlist = IpAllowlist::parse(&a.allow_ips)
                .map_err(|e| StoreError::Corrupt(format!("app {} allowlist: {e}", a.name)))?;
            let faults = faults.remove(&a.name).unwrap_or_default().into();
            let sandbox = settings.get(&a.name).copied().unwrap_or_default();
            snap.apps.insert(
                a.name.clone(),
                Arc::new(AppEntry {
                    name: a.name,
                    qpm: a.qpm,
                    allowlist,
                    faults,
                    clock_offset: sandbox.clock_offset,
                    test_mode: sandbox.test_mode,
                }),
            );
        }
        for c in certs {
            let fingerprint = match intoss_pki::cert_pem_to_der(&c.cert_pem) {
                Ok(der) => Some(sha256(&der)),
                Err(e) => {
                    tracing::error!(serial = %c.serial, error = %e, "stored certificate does not decode; it will be refused");
                    None
                }
            };
            snap.certs.insert(
                c.serial,
                CertEntry {
                    app: c.app_name,
                    not_after: c.not_after,
                    revoked: c.revoked_at.is_some(),
                    fingerprint,
                },
            );
        }
        Ok(snap)
    }
}

/// SHA-256 of a certificate's DER: what the gateway matches a presented certificate by.
/// The same digest as `intoss_tls::identity::fingerprint`, which the connection side uses.
pub(crate) fn sha256(der: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Told when a reload changed the certificates.
pub trait SnapshotObserver: Send + Sync {
    /// The certificates differ from the previous snapshot's. An error fails the reload (it is
    /// retried at the next one).
    fn certs_changed(&self) -> Result<(), String>;
}

/// The current [`Snapshot`], its reloads and their observers.
pub struct Snapshots {
    current: Arc<ArcSwap<Snapshot>>,
    store: Arc<dyn Store>,
    clock: Clock,
    reload_lock: tokio::sync::Mutex<()>,
    /// [`Clock::now_ms`] when the last successful reload began.
    reloaded_at_ms: AtomicU64,
    observers: Mutex<Vec<Arc<dyn SnapshotObserver>>>,
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshots").finish_non_exhaustive()
    }
}

impl Snapshots {
    /// An empty view (admits nothing) of `store`; call [`Self::reload`] to fill it.
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self {
            current: Arc::new(ArcSwap::from_pointee(Snapshot::default())),
            store,
            clock,
            reload_lock: tokio::sync::Mutex::new(()),
            reloaded_at_ms: AtomicU64::new(0),
            observers: Mutex::new(Vec::new()),
        }
    }

    /// A view that is never reloaded from a store: `snapshot` as given (tests, benchmarks).
    pub fn fixed(snapshot: Snapshot, store: Arc<dyn Store>, clock: Clock) -> Self {
        let s = Self::new(store, clock);
        s.current.store(Arc::new(snapshot));
        s.reloaded_at_ms.store(clock.now_ms(), Ordering::Release);
        s
    }

    /// The live view, for readers that keep it (the TLS verifier's gate).
    pub fn live(&self) -> &Arc<ArcSwap<Snapshot>> {
        &self.current
    }

    /// The current snapshot.
    pub fn load_full(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Seconds app `app`'s test clock is ahead (0 for an app without one or unknown).
    pub fn clock_offset(&self, app: &str) -> i64 {
        self.current.load().apps.get(app).map_or(0, |a| a.clock_offset)
    }

    /// App `app`'s time, Unix seconds ([`AppEntry::now`]; wall-clock time for an unknown app).
    pub fn app_now(&self, app: &str) -> i64 {
        crate::unix_now().saturating_add(self.clock_offset(app))
    }

    /// The request path's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds an observer of certificate changes.
    pub fn observe(&self, observer: Arc<dyn SnapshotObserver>) {
        self.observers.lock().unwrap_or_else(|p| p.into_inner()).push(observer);
    }

    /// Re-reads apps and certificates and swaps in a new snapshot; tells the observers when
    /// the certificates changed.
    pub async fn reload(&self) -> Result<(), CoreError> {
        let _serial = self.reload_lock.lock().await;
        let started = self.clock.now_ms();
        let snap = Snapshot::load(self.store.as_ref()).await?;
        let certs_changed = self.current.load().certs != snap.certs;
        self.current.store(Arc::new(snap));
        if certs_changed {
            let observers = self.observers.lock().unwrap_or_else(|p| p.into_inner()).clone();
            for o in observers {
                o.certs_changed().map_err(CoreError::internal)?;
            }
        }
        // The view is as of when the reads began.
        self.reloaded_at_ms.fetch_max(started, Ordering::Release);
        Ok(())
    }

    /// How long since the last successful reload began: how old this node's view of apps,
    /// certificates and revocations may be.
    pub fn age(&self) -> Duration {
        let at = self.reloaded_at_ms.load(Ordering::Acquire);
        Duration::from_millis(self.clock.now_ms().saturating_sub(at))
    }
}
