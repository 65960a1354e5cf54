//! `intoss serve`: the Apps-in-Toss server-integration platform, wired together.
//!
//! [`start`] loads (or creates) the data dir, opens the store, binds the three TLS listeners,
//! gives each the state it needs, writes `endpoints.json` and returns a [`Running`] handle.
//! See `ARCHITECTURE.md` for the map.
//!
//! | listener | crate | auth | serves |
//! |---|---|---|---|
//! | gateway | `intoss-gateway` | mTLS (platform-issued client cert) | `/api-partner/...`, proxy routes |
//! | cert | `intoss-idv-api` | server TLS + OAuth2 bearer token | identity verification (토스 인증) |
//! | console | `intoss-console` | server TLS + admin token | admin REST API `/admin/v1/...`, web console |
//!
//! The rules themselves are in `intoss-core`; this crate holds the configuration, the data
//! dir, and the timers (expiry scan, periodic reload, limiter sweep, listener renewal).

pub mod config;
pub mod datadir;
mod error;
mod seed;
pub mod webhook;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use intoss_core::{Clock, IdvAdmin, Registry, RequestStats, Snapshots, expiry};
use intoss_gateway::tls::GatewayTls;
use intoss_gateway::{Gateway, GatewayService};
use intoss_http::{Listener, RouterService, Service};
use intoss_idv::IdvService;
use intoss_login::{LoginConfig, LoginService};
use intoss_pki::CertificateAuthority;
use intoss_ratelimit::MemoryLimiter;
use intoss_store::{SqliteStore, Store};
use intoss_tls::DualCertResolver;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use config::Config;
pub use datadir::DataDir;
pub use error::StartError;
pub use intoss_proto::api::Endpoints;

/// A running platform.
pub struct Running {
    /// Where it listens.
    pub endpoints: Endpoints,
    shutdown: watch::Sender<bool>,
    tasks: JoinSet<()>,
    store: Arc<dyn Store>,
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
    let login_master = loaded.idv.secret_key.clone();
    // The gateway's view: empty (admitting nothing) until the first reload below fills it.
    // Made first: the services read each app's test clock from it.
    let snapshots = Arc::new(Snapshots::new(store.clone(), Clock::new()));
    let clocks = snapshots.clone();
    let idv = Arc::new(
        IdvService::new(store.clone(), idv_config, loaded.idv)
            .await
            .map_err(|detail| StartError::DataDir { path: "identity-verification keys".into(), detail })?
            .with_app_clock(Arc::new(move |app| clocks.clock_offset(app))),
    );
    // Outbound deliveries (expiry webhooks, unlink callbacks): one client.
    let webhook_roots = webhook_roots(&config)?;
    let notifier = webhook_notifier(&webhook_roots)?;
    let unlink_sink: Arc<dyn intoss_login::UnlinkSink> = match &notifier {
        Some(n) => Arc::new(webhook::UnlinkSender(n.clone())),
        None => Arc::new(intoss_login::NoSink),
    };
    let login =
        Arc::new(LoginService::new(store.clone(), &login_master, LoginConfig::default(), unlink_sink));
    login
        .ensure_seed_user(intoss_core::unix_now())
        .await
        .map_err(|e| StartError::DataDir { path: "the sandbox's seed user".into(), detail: e.to_string() })?;
    let pay = Arc::new(intoss_pay::PayService::new(store.clone()));
    let iap = Arc::new(intoss_pay::IapService::new(store.clone()));
    let messages = Arc::new(intoss_messages::MessageService::new(store.clone()));
    let promotions = Arc::new(intoss_promotions::PromotionService::new(store.clone()));
    let resolver = Arc::new(DualCertResolver::from_pem(
        &intoss_tls::policy_provider(),
        (&loaded.server_ecdsa.0, loaded.server_ecdsa.1.expose()),
        (&loaded.server_rsa.0, loaded.server_rsa.1.expose()),
    )?);
    let ca = Arc::new(loaded.ca);
    let ca_roots = loaded.ca_roots;

    let gateway_tls =
        Arc::new(GatewayTls::new(config.session_cache, ca_roots, &snapshots, resolver.clone())?);
    snapshots.observe(gateway_tls.clone());
    snapshots.reload().await?;

    let stats = Arc::new(RequestStats::default());
    let registry = Arc::new(Registry::new(store.clone(), ca.clone(), snapshots.clone(), config.default_qpm));
    let gateway = Arc::new(
        Gateway::new(
            snapshots.clone(),
            limiter.shared(),
            stats.clone(),
            intoss_gateway::Settings {
                routes: config.routes.clone(),
                max_body_bytes: config.max_body_bytes,
                max_staleness: config.max_staleness,
                journal: config.journal,
            },
        )
        .with_login(login.clone())
        .with_pay(pay.clone())
        .with_iap(iap.clone())
        .with_messages(messages.clone())
        .with_promotions(promotions.clone())
        .with_renewal(registry.clone()),
    );
    let metrics_limiter = limiter.clone();
    let seed_file = config.sandbox_seed.as_deref().map(seed::read).transpose()?;
    let seed_registry = registry.clone();
    let console_state = Arc::new(intoss_console::Console::new(
        intoss_console::Parts {
            registry,
            idv: Arc::new(IdvAdmin::new(store.clone(), idv.clone())),
            login,
            pay,
            iap,
            messages,
            promotions,
            events: Arc::new(intoss_events::EventAdmin::new(store.clone())),
            stats,
            endpoints,
            metrics: Box::new(move || metrics_limiter.metrics()),
            max_body_bytes: config.max_body_bytes,
            seed: seed::toml_seed(seed_file.as_ref()),
        },
        loaded.admin_token.expose(),
    ));
    if let (Some(path), Some(file)) = (config.sandbox_seed.as_deref(), seed_file) {
        seed::apply(path, file, &seed_registry, &console_state).await?;
    }

    let (shutdown, rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let server_tls = Arc::new(arc_swap::ArcSwap::from_pointee(server_tls_config(&resolver)?));
    let c = &config;
    tasks.spawn(listener(gw, gateway_tls.config(), GatewayService(gateway), c, "gateway").serve(rx.clone()));
    tasks.spawn(
        listener(cert, server_tls.clone(), RouterService(intoss_idv_api::router(idv.clone())), c, "cert")
            .serve(rx.clone()),
    );
    tasks.spawn(
        listener(console, server_tls, RouterService(intoss_console::router(console_state)), c, "console")
            .serve(rx.clone()),
    );
    if let Some(d) = events_dispatcher(&webhook_roots, store.clone())? {
        tasks.spawn(deliver_events(d, rx.clone()));
    }
    let timers =
        Timers { snapshots, idv, store: store.clone(), limiter, ca, resolver, dir: dir.clone(), notifier };
    tasks.spawn(timers.run(config, rx));

    let json = serde_json::to_string_pretty(&endpoints).unwrap_or_default();
    datadir::write_public(&dir.endpoints(), &format!("{json}\n")).map_err(|e| StartError::DataDir {
        path: dir.endpoints().display().to_string(),
        detail: e.to_string(),
    })?;
    Ok(Running { endpoints, shutdown, tasks, store })
}

/// The extra trust anchors of outbound deliveries, `[webhooks] ca_file`, read once for both
/// delivery clients. An unreadable file, or one without a certificate, stops the start.
fn webhook_roots(config: &Config) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, StartError> {
    let Some(path) = &config.webhook_ca_file else { return Ok(Vec::new()) };
    let pem = std::fs::read(path).map_err(|e| StartError::DataDir {
        path: path.display().to_string(),
        detail: format!("webhooks.ca_file: {e}"),
    })?;
    webhook::pem_certs(&pem)
        .map_err(|e| StartError::DataDir { path: "webhooks.ca_file".into(), detail: e.to_string() })
}

/// The delivery client of expiry webhooks and unlink callbacks, trusting `extra` too. A CA that
/// does not load stops the start; a platform without a TLS client (none of its built-in roots
/// load) runs on and logs.
fn webhook_notifier(
    extra: &[rustls::pki_types::CertificateDer<'static>],
) -> Result<Option<webhook::Notifier>, StartError> {
    match webhook::Notifier::new(extra) {
        Ok(n) => Ok(Some(n)),
        Err(e) if !extra.is_empty() => {
            Err(StartError::DataDir { path: "webhooks.ca_file".into(), detail: e.to_string() })
        }
        Err(e) => {
            tracing::error!(error = %e, "no TLS client for webhooks; expiry warnings and unlink callbacks will not be delivered");
            Ok(None)
        }
    }
}

/// How often the delivery worker looks for due deliveries.
const EVENTS_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// The outbox's delivery worker, trusting `extra` too, named uniquely for its leases (process id
/// and start time).
fn events_dispatcher(
    extra: &[rustls::pki_types::CertificateDer<'static>],
    store: Arc<dyn Store>,
) -> Result<Option<intoss_events::Dispatcher>, StartError> {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let owner = format!("node-{}-{started:x}", std::process::id());
    match intoss_events::Dispatcher::new(store, owner, extra) {
        Ok(d) => Ok(Some(d)),
        Err(e) if !extra.is_empty() => {
            Err(StartError::DataDir { path: "webhooks.ca_file".into(), detail: e.to_string() })
        }
        Err(e) => {
            tracing::error!(error = %e, "no TLS client for events; they are kept and delivered after a restart that has one");
            Ok(None)
        }
    }
}

/// Delivers due events until shutdown. A stop mid-attempt leaves the attempt open; its lease runs
/// out and the next worker (on this node after a restart, or another) tries again.
async fn deliver_events(d: intoss_events::Dispatcher, mut shutdown: watch::Receiver<bool>) {
    let mut poll = tokio::time::interval(EVENTS_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = poll.tick() => {
                if let Err(e) = d.tick(intoss_core::unix_now()).await {
                    tracing::warn!(error = %e, "events: could not claim due deliveries; retrying");
                }
            }
        }
    }
}

fn listener<S: Service>(
    tcp: TcpListener,
    tls: Arc<arc_swap::ArcSwap<ServerConfig>>,
    service: S,
    c: &Config,
    name: &'static str,
) -> Listener<S> {
    Listener {
        tcp,
        tls,
        service,
        handshake_timeout: c.handshake_timeout,
        header_read_timeout: c.header_read_timeout,
        idle_timeout: c.idle_timeout,
        max_connections: c.max_connections,
        name,
    }
}

/// The cert and console listeners' TLS config: server authentication only, the listener
/// certificates of `resolver` (renewed in place), never reloaded otherwise.
fn server_tls_config(resolver: &Arc<DualCertResolver>) -> Result<ServerConfig, StartError> {
    let mut cfg = intoss_tls::server_config_builder()
        .map_err(intoss_tls::TlsError::Config)?
        .with_no_client_auth()
        .with_cert_resolver(resolver.clone());
    cfg.alpn_protocols = intoss_http::listener::ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(cfg)
}

/// Opens the configured store (creating or migrating its schema).
pub async fn open_store(
    dir: &DataDir,
    url: Option<&config::StorageUrl>,
) -> Result<Arc<dyn Store>, StartError> {
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

    fn shared(&self) -> Arc<dyn intoss_ratelimit::RateLimiter> {
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

/// What the background timers touch.
struct Timers {
    snapshots: Arc<Snapshots>,
    idv: Arc<IdvService>,
    store: Arc<dyn Store>,
    limiter: Limiter,
    ca: Arc<CertificateAuthority>,
    resolver: Arc<DualCertResolver>,
    dir: DataDir,
    notifier: Option<webhook::Notifier>,
}

impl Timers {
    /// Expiry warnings (and listener renewal), forgetting idle rate-limit windows, and the
    /// periodic reload.
    async fn run(self, config: Config, mut shutdown: watch::Receiver<bool>) {
        let mut expiry = tokio::time::interval(config.expiry_scan_interval);
        let mut sweep = tokio::time::interval(std::time::Duration::from_secs(60));
        // A change made on this node reloads at once; polling brings the other nodes' changes
        // (and retries a reload that failed after its change was saved).
        let mut reload = tokio::time::interval(config.poll_interval);
        reload.reset();
        let names = Arc::new(config.server_names);
        loop {
            tokio::select! {
                _ = expiry.tick() => {
                    // File reads, and an RSA key generation when it renews: not on an async worker.
                    let (ca, resolver, dir, names) =
                        (self.ca.clone(), self.resolver.clone(), self.dir.clone(), names.clone());
                    let renewal = tokio::task::spawn_blocking(move || {
                        renew_listener_certs(&dir, &ca, &names, &resolver, time::OffsetDateTime::now_utc())
                    });
                    match renewal.await {
                        Ok(Ok(true)) => tracing::info!("listener certificates renewed"),
                        Ok(Ok(false)) => {}
                        Ok(Err(e)) => tracing::error!(error = %e, "listener certificate renewal failed"),
                        Err(e) => tracing::error!(error = %e, "listener certificate renewal did not finish"),
                    }
                    let offset_of = |app: &str| self.snapshots.clock_offset(app);
                    match expiry::scan(self.store.as_ref(), intoss_core::unix_now(), &offset_of).await {
                        Ok(warnings) if !warnings.is_empty() => self.notify(&self.notifier, warnings).await,
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "expiry scan failed"),
                    }
                    if let Some(keep) = config.cert_retention_secs {
                        match self.store.purge_certs(intoss_core::unix_now() - keep).await {
                            Ok(gone) if !gone.is_empty() => {
                                tracing::info!(removed = gone.len(), retention_days = keep / 86_400, "housekeeping: removed old revoked and expired certificates");
                                if let Err(e) = self.snapshots.reload().await {
                                    tracing::error!(error = %e, "reload after housekeeping failed");
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::error!(error = %e, "housekeeping of old certificates failed"),
                        }
                    }
                }
                _ = sweep.tick() => self.limiter.sweep(self.snapshots.clock().now_ms()),
                _ = reload.tick() => {
                    if let Err(e) = self.snapshots.reload().await {
                        tracing::error!(error = %e, "periodic reload failed");
                    }
                    if let Err(e) = self.idv.reload_clients().await {
                        tracing::error!(error = ?e, "periodic reload of identity-verification clients failed");
                    }
                }
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Hands each expiry warning to its app's webhook, if it has one, without holding up the timers.
    async fn notify(&self, notifier: &Option<webhook::Notifier>, warnings: Vec<expiry::Warning>) {
        let Some(notifier) = notifier else { return };
        let apps = match self.store.list_apps().await {
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
}

/// Re-issues the listener certificates that are within 30 days of their end (as `serve` does at
/// start) and serves the new ones from the next handshake on, on all three listeners; whether
/// they were renewed. Run with the expiry scan, so a platform that runs for more than a year
/// without a restart never serves an expired certificate.
pub fn renew_listener_certs(
    dir: &DataDir,
    ca: &CertificateAuthority,
    server_names: &[String],
    resolver: &DualCertResolver,
    now: time::OffsetDateTime,
) -> Result<bool, StartError> {
    let ((ecdsa, rsa), issued) = dir.load_or_renew_servers(ca, server_names, now)?;
    // Also when the files are newer than what is served (a swap that failed after they were
    // written is tried again at the next scan).
    let renewed = issued || !resolver.serves(&ecdsa.0);
    if renewed {
        resolver.replace(
            &intoss_tls::policy_provider(),
            (&ecdsa.0, ecdsa.1.expose()),
            (&rsa.0, rsa.1.expose()),
        )?;
    }
    Ok(renewed)
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
