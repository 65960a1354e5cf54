//! `intoss serve`: the Apps-in-Toss server-integration platform.
//!
//! [`start`] loads (or creates) the data dir, opens the store, binds the three TLS listeners,
//! writes `endpoints.json` and returns a [`Running`] handle. See `ARCHITECTURE.md` for the map.
//!
//! | listener | auth | serves |
//! |---|---|---|
//! | gateway | mTLS (platform-issued client cert) | `/api-partner/...`, proxy routes |
//! | cert | server TLS + OAuth2 bearer token | identity verification (토스 인증) |
//! | console | server TLS + admin token | admin REST API `/admin/v1/...` |

pub mod admin;
pub mod admin_idv;
pub mod config;
pub mod console;
pub mod datadir;
pub mod error;
pub mod expiry;
pub mod extract;
pub mod gateway;
pub mod listener;
pub mod platform;
pub mod proxy;
pub mod upstream;
pub mod webhook;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use intoss_ratelimit::MemoryLimiter;
use intoss_store::SqliteStore;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use config::Config;
pub use datadir::DataDir;
pub use error::{ApiError, StartError};
pub use platform::Platform;

/// The bound addresses, as written to `DATA_DIR/endpoints.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// mTLS gateway.
    pub gateway: SocketAddr,
    /// Identity verification.
    pub cert: SocketAddr,
    /// Admin API and console.
    pub console: SocketAddr,
}

/// A running platform.
pub struct Running {
    /// Where it listens.
    pub endpoints: Endpoints,
    /// Its state (for in-process tests and tools).
    pub platform: Arc<Platform>,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    store: Arc<dyn intoss_store::Store>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to 30 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        while self.tasks.join_next().await.is_some() {}
        // SQLite: checkpoints the WAL so the database is one file again.
        self.store.close().await;
    }
}

/// Starts the platform on `data_dir` with `config`.
pub async fn start(data_dir: PathBuf, config: Config) -> Result<Running, StartError> {
    let dir = DataDir::new(data_dir);
    let loaded = dir.load_or_init(&config.server_names, time::OffsetDateTime::now_utc())?;
    let store = open_store(&dir, config.storage.as_ref()).await?;
    let limiter = Limiter::new(&config.ratelimit)?;

    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr: addr.to_string(), source })
    };
    let c = &config;
    let (gw, cert, console) =
        (bind(c.gateway_addr).await?, bind(c.cert_addr).await?, bind(c.console_addr).await?);
    let local = |l: &TcpListener, addr| {
        l.local_addr().map_err(|source| StartError::Bind { addr: format!("{addr}"), source })
    };
    let endpoints = Endpoints {
        gateway: local(&gw, c.gateway_addr)?,
        cert: local(&cert, c.cert_addr)?,
        console: local(&console, c.console_addr)?,
    };
    // The request's appScheme / androidAppUri / iosAppUri open the simulator on the console.
    let idv_config = intoss_idv::IdvConfig {
        simulator_url: format!("https://{}/simulator/", endpoints.console),
        ..config.idv.clone()
    };
    let platform = Platform::new(config, store.clone(), loaded, limiter.clone(), idv_config).await?;
    let _ = platform.endpoints.set(serde_json::to_value(endpoints).unwrap_or_default());
    let c = &platform.config;

    let (shutdown, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let server_tls = Arc::new(arc_swap::ArcSwap::new(platform.server_tls.clone()));
    let listeners = [
        (gw, platform.gateway_tls.clone(), listener::App::Gateway(platform.clone()), "gateway"),
        (
            cert,
            server_tls.clone(),
            listener::App::Router(intoss_idv::api::router(platform.idv.clone())),
            "cert",
        ),
        (console, server_tls, listener::App::Router(admin::router(platform.clone())), "console"),
    ];
    for (tcp, tls, app, name) in listeners {
        let l = listener::Listener {
            tcp,
            tls,
            app,
            handshake_timeout: c.handshake_timeout,
            header_read_timeout: c.header_read_timeout,
            idle_timeout: c.idle_timeout,
            max_connections: c.max_connections,
            name,
        };
        tasks.spawn(l.serve(rx.clone()));
    }
    tasks.spawn(background(platform.clone(), dir.clone(), limiter, rx));

    let json = serde_json::to_string_pretty(&endpoints).unwrap_or_default();
    datadir::write_public(&dir.endpoints(), &format!("{json}\n")).map_err(|e| StartError::DataDir {
        path: dir.endpoints().display().to_string(),
        detail: e.to_string(),
    })?;
    Ok(Running { endpoints, platform, shutdown, tasks, store })
}

/// Opens the configured store (creating or migrating its schema).
pub async fn open_store(
    dir: &DataDir,
    url: Option<&config::StorageUrl>,
) -> Result<Arc<dyn intoss_store::Store>, StartError> {
    Ok(match url {
        None => Arc::new(SqliteStore::open(&dir.database()).await?),
        Some(config::StorageUrl::Sqlite(u)) => Arc::new(SqliteStore::open_url(u).await?),
        Some(config::StorageUrl::Postgres(u)) => Arc::new(intoss_store::PgStore::open(u).await?),
    })
}

/// The configured limiter, kept concrete for its timers and metrics.
#[derive(Debug, Clone)]
pub enum Limiter {
    /// One node.
    Memory(Arc<MemoryLimiter>),
    /// Shared through Redis.
    Redis(Arc<intoss_ratelimit::RedisLimiter>),
}

impl Limiter {
    /// The limiter `backend` names.
    pub fn new(backend: &config::RateLimitBackend) -> Result<Self, StartError> {
        Ok(match backend {
            config::RateLimitBackend::Memory => Self::Memory(Arc::new(MemoryLimiter::new())),
            config::RateLimitBackend::Redis { url, nodes } => {
                Self::Redis(Arc::new(intoss_ratelimit::RedisLimiter::new(url, *nodes).map_err(|e| {
                    StartError::DataDir { path: "ratelimit.backend".into(), detail: e.to_string() }
                })?))
            }
        })
    }

    pub(crate) fn shared(&self) -> Arc<dyn intoss_ratelimit::RateLimiter> {
        match self {
            Self::Memory(m) => m.clone(),
            Self::Redis(r) => r.clone(),
        }
    }

    fn sweep(&self, now_ms: u64) {
        match self {
            Self::Memory(m) => m.sweep(now_ms),
            Self::Redis(r) => r.fallback().sweep(now_ms),
        }
    }

    /// Prometheus text for the limiter's state.
    pub fn metrics(&self) -> String {
        let (active, decisions) = match self {
            Self::Memory(_) => (0, 0),
            Self::Redis(r) => (u8::from(r.fallback_active()), r.fallback_decisions()),
        };
        format!(
            "# HELP intoss_ratelimit_fallback_active 1 while Redis is unavailable and the local limit (qpm / nodes) applies.\n\
             # TYPE intoss_ratelimit_fallback_active gauge\n\
             intoss_ratelimit_fallback_active {active}\n\
             # HELP intoss_ratelimit_fallback_decisions_total Decisions made by the local fallback.\n\
             # TYPE intoss_ratelimit_fallback_decisions_total counter\n\
             intoss_ratelimit_fallback_decisions_total {decisions}\n"
        )
    }
}

/// Timers: expiry warnings, forgetting idle rate-limit windows, and the periodic reload.
async fn background(p: Arc<Platform>, dir: DataDir, limiter: Limiter, mut shutdown: watch::Receiver<bool>) {
    let mut expiry = tokio::time::interval(p.config.expiry_scan_interval);
    let mut sweep = tokio::time::interval(std::time::Duration::from_secs(60));
    // A change made on this node reloads at once; polling brings the other nodes' changes (and
    // retries a reload that failed after its change was saved).
    let mut reload = tokio::time::interval(p.config.poll_interval);
    reload.reset();
    let notifier = match webhook::Notifier::new() {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::error!(error = %e, "no TLS client for expiry webhooks; they will not be delivered");
            None
        }
    };
    loop {
        tokio::select! {
            _ = expiry.tick() => {
                // File reads, and an RSA key generation when it renews: not on an async worker.
                let (renewer, renew_dir) = (p.clone(), dir.clone());
                let renewal = tokio::task::spawn_blocking(move || {
                    renewer.renew_listener_certs(&renew_dir, time::OffsetDateTime::now_utc())
                });
                match renewal.await {
                    Ok(Ok(true)) => tracing::info!("listener certificates renewed"),
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "listener certificate renewal failed"),
                    Err(e) => tracing::error!(error = %e, "listener certificate renewal did not finish"),
                }
                match expiry::scan(p.store.as_ref(), platform::unix_now()).await {
                    Ok(warnings) if !warnings.is_empty() => notify(&p, &notifier, warnings).await,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "expiry scan failed"),
                }
            }
            _ = sweep.tick() => limiter.sweep(p.now_ms()),
            _ = reload.tick() => {
                if let Err(e) = p.reload().await {
                    tracing::error!(error = %e, "periodic reload failed");
                }
                if let Err(e) = p.idv.reload_clients().await {
                    tracing::error!(error = ?e, "periodic reload of identity-verification clients failed");
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Hands each expiry warning to its app's webhook, if it has one, without holding up the timers.
async fn notify(p: &Platform, notifier: &Option<webhook::Notifier>, warnings: Vec<expiry::Warning>) {
    let Some(notifier) = notifier else { return };
    let apps = match p.store.list_apps().await {
        Ok(apps) => apps,
        Err(e) => {
            tracing::error!(error = %e, "expiry webhooks: could not read the apps; not delivered");
            return;
        }
    };
    for w in warnings {
        let url = apps.iter().find(|a| a.name == w.app).and_then(|a| a.webhook_url.clone());
        if let Some(url) = url {
            let notifier = notifier.clone();
            tokio::spawn(async move { notifier.deliver(&url, &w).await });
        }
    }
}

/// The "ready" block printed by `intoss serve`.
pub fn ready_message(endpoints: &Endpoints, dir: &DataDir) -> String {
    let d = dir.root().display();
    format!(
        "intoss is ready\n\
         \x20 gateway (mTLS)   https://{gw}\n\
         \x20 cert (토스 인증)  https://{cert}\n\
         \x20 console / admin  https://{console}\n\
         \x20 CA certificate   {ca}\n\
         \x20 admin token      {token}\n\
         \x20 토스 인증 key     {idv_key}\n\
         \n\
         Try it:\n\
         \x20 intoss app create my-app --data-dir {d}\n\
         \x20 intoss cert issue --app my-app --out ./my-app --data-dir {d}\n\
         \x20 curl --cacert {ca} --cert ./my-app/client-cert.pem --key ./my-app/client-key.pem https://{gw}/api-partner/v1/whoami\n",
        gw = endpoints.gateway,
        cert = endpoints.cert,
        console = endpoints.console,
        ca = dir.ca_cert().display(),
        token = dir.admin_token().display(),
        idv_key = dir.idv_public_key().display(),
    )
}
