//! The Apps-in-Toss partner API client.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use hyper::http::Method;
use intoss_ratelimit::{Decision, MemoryLimiter};
use rustls::{ClientConfig, RootCertStore};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::identity::FileIdentity;
use crate::renew::{NewKey, RenewEvent, RenewSchedule, Renewer};
use crate::{ClientError, HttpsClient, Response, decode_envelope};

/// The real Apps-in-Toss API (login, messages, points, IAP).
pub const APPS_IN_TOSS_API: &str = "https://apps-in-toss-api.toss.im";
/// The real Toss Pay API of Apps-in-Toss.
pub const APPS_IN_TOSS_PAY_API: &str = "https://pay-apps-in-toss-api.toss.im";
/// The default per-app limit (seed 001: 3,000 QPM).
pub const DEFAULT_QPM: u32 = 3000;

/// When to retry.
///
/// Transport failures before a response (connection refused or reset) are retried for
/// idempotent methods only; a 429 is retried for every method (the request was not processed)
/// after its `Retry-After`, unless that is longer than `max_delay` (then the 429 is returned at
/// once: use pacing to stay under the limit). Backoff doubles from `base_delay` with full
/// jitter, up to `max_delay`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub max_retries: u32,
    /// First backoff.
    pub base_delay: Duration,
    /// Largest backoff (and largest `Retry-After` honoured).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 2, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(5) }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.base_delay.saturating_mul(1 << attempt.min(16)).min(self.max_delay);
        let mut b = [0u8; 8];
        let r = aws_lc_rs::rand::fill(&mut b).map(|()| u64::from_le_bytes(b)).unwrap_or(0);
        let ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX).max(1);
        Duration::from_millis(r % ms)
    }
}

/// Builds a [`PartnerClient`].
#[derive(Debug, Default)]
pub struct PartnerClientBuilder {
    base_url: Option<String>,
    files: Option<(PathBuf, PathBuf)>,
    pem: Option<(Vec<u8>, Vec<u8>)>,
    extra_ca: Option<Vec<u8>>,
    only_extra_ca: bool,
    qpm: Option<u32>,
    retry: RetryPolicy,
    auto_renew: Option<(RenewSchedule, NewKey, Duration)>,
}

impl PartnerClientBuilder {
    /// The API base URL (default: [`APPS_IN_TOSS_API`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The client certificate and key files (`client-cert.pem`, `client-key.pem`), reloaded
    /// when replaced.
    pub fn identity_files(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.files = Some((cert.into(), key.into()));
        self
    }

    /// The client certificate and key as PEM bytes (not reloaded).
    pub fn identity_pem(mut self, cert: Vec<u8>, key: Vec<u8>) -> Self {
        self.pem = Some((cert, key));
        self
    }

    /// Trusts this CA (PEM) in addition to the public web roots.
    pub fn extra_ca(mut self, pem: Vec<u8>) -> Self {
        self.extra_ca = Some(pem);
        self
    }

    /// Trusts only this CA (PEM): for a private platform such as intoss.
    pub fn private_ca(mut self, pem: Vec<u8>) -> Self {
        self.extra_ca = Some(pem);
        self.only_extra_ca = true;
        self
    }

    /// Paces requests so this process stays under `qpm` requests in any 60 s window, waiting
    /// instead of being refused. Off by default; [`DEFAULT_QPM`] is the platform's default.
    pub fn pace(mut self, qpm: u32) -> Self {
        self.qpm = Some(qpm);
        self
    }

    /// The retry policy (default: 2 retries).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Renews the identity files' certificate by itself, on `schedule`, over the platform's
    /// renewal route (a new key made here, sent as a CSR): a background task that looks at the
    /// clock every `check_every` (an hour is plenty), replaces the files atomically and moves
    /// new connections to the new certificate. [`PartnerClient::renewal`] reports what it did.
    /// Needs [`Self::identity_files`] and a tokio runtime at [`Self::build`]; the task ends
    /// when the last clone of the client is dropped.
    pub fn auto_renew(mut self, schedule: RenewSchedule, check_every: Duration) -> Self {
        self.auto_renew = Some((schedule, NewKey::Csr, check_every));
        self
    }

    /// Builds the client. Fails if the identity or a CA does not load, or `pace(0)`, or
    /// `auto_renew` without identity files or outside a tokio runtime.
    pub fn build(mut self) -> Result<PartnerClient, ClientError> {
        if self.qpm == Some(0) {
            return Err(ClientError::Config("pace(0) would never send a request".into()));
        }
        let auto_renew = self.auto_renew.take();
        let renew_files = self.files.clone();
        let provider = crate::tls::policy_provider();
        let mut roots = RootCertStore::empty();
        if !self.only_extra_ca {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if let Some(pem) = &self.extra_ca {
            for c in crate::tls::certs_from_pem(pem, "CA certificate")? {
                roots.add(c).map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
            }
        }
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| ClientError::Config(e.to_string()))?
            .with_root_certificates(roots);
        let (config, identity) = match (self.files, self.pem) {
            (Some((cert, key)), _) => {
                let id = Arc::new(FileIdentity::new(cert, key, provider)?);
                (builder.with_client_cert_resolver(id.clone()), Some(id))
            }
            (None, Some((cert, key))) => {
                let pair = crate::identity::load_identity(&provider, &cert, &key)?;
                let chain = pair.cert.clone();
                let key = crate::tls::key_from_pem(&key, "client key")?;
                let cfg = builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| ClientError::Config(format!("client certificate and key: {e}")))?;
                (cfg, None)
            }
            (None, None) => (builder.with_no_client_auth(), None),
        };
        let client = PartnerClient {
            http: Arc::new(ArcSwap::from_pointee(HttpsClient::new(config.clone()))),
            config,
            pool_generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            base: self
                .base_url
                .unwrap_or_else(|| APPS_IN_TOSS_API.to_owned())
                .trim_end_matches('/')
                .to_owned(),
            pacer: self.qpm.map(|q| Arc::new(Pacer::new(q))),
            retry: self.retry,
            identity,
            renewal: None,
        };
        let Some((schedule, new_key, check_every)) = auto_renew else {
            return Ok(client);
        };
        let Some((cert, key)) = renew_files else {
            return Err(ClientError::Config("auto_renew needs identity_files: the files it renews".into()));
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| ClientError::Config("auto_renew needs a tokio runtime to run in".into()))?;
        // The task's client has no task of its own: the user's clones alone keep it alive.
        let renewer = Renewer::new(client.clone(), cert, key, schedule, new_key)?;
        let (status, updates) = tokio::sync::watch::channel(RenewalStatus::default());
        let task = runtime.spawn(async move {
            let _ = renewer
                .run(check_every, |event| {
                    status.send_modify(|s| match event {
                        RenewEvent::Renewed(issued) => {
                            s.renewals += 1;
                            s.serial = Some(issued.certificate.serial.clone());
                            s.renewed_at = Some(std::time::SystemTime::now());
                            s.last_error = None;
                        }
                        RenewEvent::Failed { error, retry_in } => {
                            tracing::warn!(%error, ?retry_in, "client certificate renewal failed");
                            s.failures += 1;
                            s.last_error = Some(error.to_string());
                        }
                    });
                    true
                })
                .await;
        });
        Ok(PartnerClient { renewal: Some(Arc::new(RenewalTask { task, updates })), ..client })
    }
}

/// What [`PartnerClientBuilder::auto_renew`] did so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalStatus {
    /// Certificates renewed.
    pub renewals: u64,
    /// The newest renewed certificate's serial.
    pub serial: Option<String>,
    /// When it was renewed.
    pub renewed_at: Option<std::time::SystemTime>,
    /// Failed attempts (each retried).
    pub failures: u64,
    /// The last failure, cleared by the next renewal.
    pub last_error: Option<String>,
}

/// The background renewal of a client; aborted with the last clone.
#[derive(Debug)]
struct RenewalTask {
    task: tokio::task::JoinHandle<()>,
    updates: tokio::sync::watch::Receiver<RenewalStatus>,
}

impl Drop for RenewalTask {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Client-side pacing: the same exact trailing-window rule as the platform, applied before
/// sending, so a burst waits instead of being refused.
#[derive(Debug)]
struct Pacer {
    qpm: u32,
    window: MemoryLimiter,
    start: tokio::time::Instant,
}

impl Pacer {
    fn new(qpm: u32) -> Self {
        Self { qpm, window: MemoryLimiter::new(), start: tokio::time::Instant::now() }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX) + intoss_ratelimit::WINDOW_MS
    }

    async fn acquire(&self) {
        loop {
            match self.window.check_now("self", self.qpm, self.now_ms()) {
                Decision::Admitted { .. } => return,
                Decision::Refused { retry_after_ms } => {
                    tokio::time::sleep(Duration::from_millis(retry_after_ms)).await;
                }
            }
        }
    }
}

/// A client of the Apps-in-Toss partner API (the real one, or intoss's gateway).
///
/// ```no_run
/// # async fn demo() -> Result<(), intoss_client::ClientError> {
/// let client = intoss_client::PartnerClient::builder()
///     .base_url("https://127.0.0.1:8443")
///     .private_ca(std::fs::read("intoss-data/ca.pem").unwrap_or_default())
///     .identity_files("my-app/client-cert.pem", "my-app/client-key.pem")
///     .pace(3000)
///     .build()?;
/// let me: serde_json::Value = client.get("/api-partner/v1/whoami").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PartnerClient {
    /// Replaced (with its connection pool) when the identity files change, so that traffic
    /// moves to the new certificate at once and the old one can be revoked safely.
    http: Arc<ArcSwap<HttpsClient>>,
    config: ClientConfig,
    /// The identity generation the current pool was made for.
    pool_generation: Arc<std::sync::atomic::AtomicU64>,
    base: String,
    pacer: Option<Arc<Pacer>>,
    retry: RetryPolicy,
    identity: Option<Arc<FileIdentity>>,
    renewal: Option<Arc<RenewalTask>>,
}

impl PartnerClient {
    /// A builder.
    pub fn builder() -> PartnerClientBuilder {
        PartnerClientBuilder::default()
    }

    /// The file identity, to check reloads ([`FileIdentity::last_error`]).
    pub fn identity(&self) -> Option<&FileIdentity> {
        self.identity.as_deref()
    }

    /// The automatic renewal's reports ([`PartnerClientBuilder::auto_renew`]): the current
    /// status, and `changed().await` for the next renewal or failure. `None` without it.
    pub fn renewal(&self) -> Option<tokio::sync::watch::Receiver<RenewalStatus>> {
        self.renewal.as_ref().map(|r| r.updates.clone())
    }

    /// `GET path` → the typed `success` payload.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        decode_envelope(&self.send(Method::GET, path, &[], None).await?)
    }

    /// `POST path` with a JSON body → the typed `success` payload. Add headers such as
    /// `x-toss-user-key` with [`PartnerClient::send`].
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::Config(format!("request body: {e}")))?;
        decode_envelope(&self.send(Method::POST, path, &[], Some(body)).await?)
    }

    /// Any request, with pacing and retries; returns the raw response (decode it with
    /// [`decode_envelope`]).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, ClientError> {
        let url = if path.starts_with("https://") { path.to_owned() } else { format!("{}{path}", self.base) };
        let idempotent =
            matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS);
        let mut attempt = 0;
        loop {
            if let Some(p) = &self.pacer {
                p.acquire().await;
            }
            if let Some(id) = &self.identity {
                let _ = id.refresh();
                // A new certificate (noticed here or by a handshake): new connections from now
                // on; the old pool drains and closes.
                let generation = id.generation();
                if self.pool_generation.swap(generation, std::sync::atomic::Ordering::SeqCst) != generation {
                    self.http.store(Arc::new(HttpsClient::new(self.config.clone())));
                }
            }
            let http = self.http.load_full();
            let result = http.send(method.clone(), &url, headers, body.clone()).await;
            let retry_in = match &result {
                Ok(r) if r.status == 429 => {
                    let after = r
                        .headers
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map_or_else(|| self.retry.backoff(attempt), Duration::from_secs);
                    (after <= self.retry.max_delay).then_some(after)
                }
                Err(ClientError::Transport(_)) if idempotent => Some(self.retry.backoff(attempt)),
                _ => None,
            };
            match retry_in {
                Some(wait) if attempt < self.retry.max_retries => {
                    attempt += 1;
                    tracing::debug!(%url, attempt, ?wait, "retrying");
                    tokio::time::sleep(wait).await;
                }
                _ => return result,
            }
        }
    }
}
