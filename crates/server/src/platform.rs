//! The shared state of a running platform, and its hot snapshot.
//!
//! Handlers read the [`Snapshot`] (apps, certificates) and the gateway's TLS config through
//! `ArcSwap`: each change to the store is followed by [`Platform::reload`], which builds a whole
//! new snapshot and a whole new `ServerConfig` and swaps them in. Nothing is edited in place.
//! A new `ServerConfig` also means a new TLS session cache, so a session resumed after a
//! revocation cannot skip the certificate check.

use std::sync::Arc;

use arc_swap::ArcSwap;
use intoss_pki::CertificateAuthority;
use intoss_proto::IpAllowlist;
use intoss_ratelimit::RateLimiter;
use intoss_store::{Store, StoreError};
use intoss_tls::{CertGate, DualCertResolver, GatedClientVerifier};
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, RootCertStore, ServerConfig};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::error::StartError;

/// An app as the gateway sees it.
#[derive(Debug, Clone)]
pub struct AppEntry {
    /// Name.
    pub name: String,
    /// Requests per minute.
    pub qpm: u32,
    /// Source-IP allowlist.
    pub allowlist: IpAllowlist,
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

/// The gate the TLS verifier asks: a certificate must be known and not revoked.
struct SnapshotGate(Arc<ArcSwap<Snapshot>>);

impl CertGate for SnapshotGate {
    fn check(&self, serial_hex: &str, fingerprint: &[u8; 32]) -> Result<(), CertificateError> {
        match self.0.load().certs.get(serial_hex) {
            // A certificate minted again under a live serial (with the CA key, or through an
            // intermediate) is not the issued one: refuse it like an unknown one.
            Some(c) if !c.is(fingerprint) => Err(CertificateError::ApplicationVerificationFailure),
            Some(c) if !c.revoked => Ok(()),
            Some(_) => Err(CertificateError::Revoked),
            // Signed by our CA but unknown to the platform: refuse (fail closed).
            None => Err(CertificateError::ApplicationVerificationFailure),
        }
    }
}

/// The running platform's state, shared by all listeners.
pub struct Platform {
    /// Validated configuration.
    pub config: Config,
    /// Durable state.
    pub store: Arc<dyn Store>,
    /// The platform CA.
    pub ca: CertificateAuthority,
    /// Apps and certificates, for the request path.
    pub snapshot: Arc<ArcSwap<Snapshot>>,
    /// Per-app admission.
    pub limiter: Arc<dyn RateLimiter>,
    /// The same limiter, concrete (metrics).
    pub limiter_kind: crate::Limiter,
    /// The gateway's TLS config (mTLS), replaced on every reload.
    pub gateway_tls: Arc<ArcSwap<ServerConfig>>,
    /// The cert and console listeners' TLS config (server auth only).
    pub server_tls: Arc<ServerConfig>,
    /// Client for proxy routes.
    pub upstream: crate::upstream::UpstreamClient,
    /// The identity-verification service (cert listener, simulator).
    pub idv: Arc<intoss_idv::IdvService>,
    /// Console sessions.
    pub sessions: crate::console::Sessions,
    /// Requests per app per minute, for the console's overview.
    pub stats: crate::console::RequestStats,
    /// The bound addresses (set once the listeners are bound), for the console's snippets.
    pub endpoints: std::sync::OnceLock<serde_json::Value>,
    resolver: Arc<DualCertResolver>,
    /// Serialises reloads so that an older snapshot never replaces a newer one.
    reload_lock: tokio::sync::Mutex<()>,
    admin_token_digest: [u8; 32],
    clock_base: tokio::time::Instant,
    /// [`Self::now_ms`] at the last successful reload.
    reloaded_at_ms: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform").finish_non_exhaustive()
    }
}

const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

impl Platform {
    /// Builds the state and loads the first snapshot.
    pub async fn new(
        config: Config,
        store: Arc<dyn Store>,
        loaded: crate::datadir::Loaded,
        limiter: crate::Limiter,
        idv_config: intoss_idv::IdvConfig,
    ) -> Result<Arc<Self>, StartError> {
        let idv = intoss_idv::IdvService::new(store.clone(), idv_config, loaded.idv)
            .await
            .map_err(|detail| StartError::DataDir { path: "identity-verification keys".into(), detail })?;
        let provider = intoss_tls::policy_provider();
        let resolver = Arc::new(DualCertResolver::from_pem(
            &provider,
            (&loaded.server_ecdsa.0, loaded.server_ecdsa.1.expose()),
            (&loaded.server_rsa.0, loaded.server_rsa.1.expose()),
        )?);
        let mut server_tls = intoss_tls::server_config_builder()
            .map_err(intoss_tls::TlsError::Config)?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        server_tls.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        // Fail closed from the start: an empty snapshot admits no certificate.
        let snapshot = Arc::new(ArcSwap::from_pointee(Snapshot::default()));
        let gateway_tls =
            gateway_tls_config(config.session_cache, loaded.ca.cert_der(), &snapshot, &resolver)?;
        let platform = Self {
            gateway_tls: Arc::new(ArcSwap::from_pointee(gateway_tls)),
            server_tls: Arc::new(server_tls),
            upstream: crate::upstream::UpstreamClient::new(&config.routes),
            idv: Arc::new(idv),
            sessions: crate::console::Sessions::new(),
            stats: crate::console::RequestStats::default(),
            endpoints: std::sync::OnceLock::new(),
            admin_token_digest: digest(loaded.admin_token.expose().trim().as_bytes()),
            ca: loaded.ca,
            config,
            store,
            snapshot,
            limiter: limiter.shared(),
            limiter_kind: limiter,
            resolver,
            reload_lock: tokio::sync::Mutex::new(()),
            clock_base: tokio::time::Instant::now(),
            reloaded_at_ms: std::sync::atomic::AtomicU64::new(0),
        };
        platform.reload().await?;
        Ok(Arc::new(platform))
    }

    /// Re-reads apps and certificates from the store and swaps in a new snapshot and a new
    /// gateway TLS config.
    pub async fn reload(&self) -> Result<(), StartError> {
        let _serial = self.reload_lock.lock().await;
        let started = self.now_ms();
        let apps = self.store.list_apps().await?;
        let certs = self.store.list_certs(None).await?;
        let mut snap = Snapshot::default();
        for a in apps {
            let allowlist = IpAllowlist::parse(&a.allow_ips)
                .map_err(|e| StoreError::Corrupt(format!("app {} allowlist: {e}", a.name)))?;
            snap.apps.insert(a.name.clone(), Arc::new(AppEntry { name: a.name, qpm: a.qpm, allowlist }));
        }
        for c in certs {
            let fingerprint = match intoss_pki::cert_pem_to_der(&c.cert_pem) {
                Ok(der) => Some(intoss_tls::identity::fingerprint(&der)),
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
        // A new TLS config (and so a new session cache) only when certificates changed: polling
        // every second must not defeat TLS session resumption.
        let certs_changed = self.snapshot.load().certs != snap.certs;
        self.snapshot.store(Arc::new(snap));
        if certs_changed {
            let tls = gateway_tls_config(
                self.config.session_cache,
                self.ca.cert_der(),
                &self.snapshot,
                &self.resolver,
            )?;
            self.gateway_tls.store(Arc::new(tls));
        }
        // The view is as of when the reads began.
        self.reloaded_at_ms.fetch_max(started, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Re-issues the listener certificates that are within 30 days of their end (as `serve` does
    /// at start) and serves the new ones from the next handshake on, on all three listeners;
    /// whether they were renewed. Run with the expiry scan, so a platform that runs for more than
    /// a year without a restart never serves an expired certificate.
    pub fn renew_listener_certs(
        &self,
        dir: &crate::DataDir,
        now: time::OffsetDateTime,
    ) -> Result<bool, StartError> {
        let ((ecdsa, rsa), issued) = dir.load_or_renew_servers(&self.ca, &self.config.server_names, now)?;
        // Also when the files are newer than what is served (a swap that failed after they were
        // written is tried again at the next scan).
        let renewed = issued || !self.resolver.serves(&ecdsa.0);
        if renewed {
            self.resolver.replace(
                &intoss_tls::policy_provider(),
                (&ecdsa.0, ecdsa.1.expose()),
                (&rsa.0, rsa.1.expose()),
            )?;
        }
        Ok(renewed)
    }

    /// How long since the last successful reload began: how old this node's view of apps,
    /// certificates and revocations may be.
    pub fn snapshot_age(&self) -> std::time::Duration {
        let at = self.reloaded_at_ms.load(std::sync::atomic::Ordering::Acquire);
        std::time::Duration::from_millis(self.now_ms().saturating_sub(at))
    }

    /// Milliseconds on the monotonic clock (tokio's, so tests can pause it).
    pub fn now_ms(&self) -> u64 {
        // Start at one window so "60 s ago" is never negative.
        u64::try_from(self.clock_base.elapsed().as_millis()).unwrap_or(u64::MAX) + intoss_ratelimit::WINDOW_MS
    }

    /// Whether `presented` is the admin token. Constant time: both sides are hashed first, so
    /// neither the content nor the length leaks through timing.
    pub fn admin_token_matches(&self, presented: &str) -> bool {
        digest(presented.as_bytes()).ct_eq(&self.admin_token_digest).into()
    }
}

/// The gateway's mTLS config: client certificates must chain to the platform CA and pass the
/// snapshot's gate. Resumption state stays on the server, in a cache of `tls.session_cache`
/// sessions (about 3 KiB each with a P-256 client certificate: RSS with a full cache of 4,096,
/// docs/performance.md); no stateless tickets, whose key would decrypt every resumed TLS 1.2 session.
/// Each call makes a new cache, so no session from before a reload (a revocation, say) resumes.
fn gateway_tls_config(
    session_cache: usize,
    ca_der: &[u8],
    snapshot: &Arc<ArcSwap<Snapshot>>,
    resolver: &Arc<DualCertResolver>,
) -> Result<ServerConfig, StartError> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec())).map_err(intoss_tls::TlsError::Config)?;
    let verifier = GatedClientVerifier::new(roots, Arc::new(SnapshotGate(snapshot.clone())))?;
    let mut cfg = intoss_tls::server_config_builder()
        .map_err(intoss_tls::TlsError::Config)?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(resolver.clone());
    cfg.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    // One TLS 1.3 ticket per handshake (rustls sends 2 by default): a partner's connection pool
    // resumes each new connection with the ticket the last one left, and every ticket costs the
    // server an HKDF derivation and a cache entry (docs/performance.md, scenario (c)). Clients
    // that open several connections at once can ask for more (RFC 9149 ticket_request).
    if session_cache == 0 {
        cfg.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        cfg.send_tls13_tickets = 0;
    } else {
        cfg.session_storage = rustls::server::ServerSessionMemoryCache::new(session_cache);
        cfg.send_tls13_tickets = 1;
        cfg.max_tls13_tickets = 8;
    }
    Ok(cfg)
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Current wall-clock time, Unix seconds.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
