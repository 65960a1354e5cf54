//! `intoss serve` configuration: TOML with unknown keys refused, parsed once into typed values.
//!
//! ```toml
//! [listen]
//! gateway = "127.0.0.1:8443"   # mTLS partner API
//! cert    = "127.0.0.1:9443"   # identity verification (토스 인증)
//! console = "127.0.0.1:9000"   # admin API and web console
//!
//! [tls]
//! server_names = ["intoss.example"]   # extra names for the listeners' certificates
//! handshake_timeout_ms = 10000
//! header_read_timeout_ms = 10000    # HTTP/1.1: a request's headers, and an idle keep-alive
//! idle_timeout_ms = 60000           # a connection with no new request is closed (close_notify)
//! max_connections = 10000           # per listener; beyond it new connections wait in the backlog
//! session_cache = 256               # gateway sessions kept for resumption (0: no resumption)
//!
//! [gateway]
//! default_qpm = 3000
//! max_body_bytes = 1048576
//! journal = true                  # keep each app's last 200 requests (intoss logs tail); +3.5 % per whoami
//!
//! [expiry]
//! scan_interval_ms = 3600000
//! retention_days = 90             # revoked / expired certificates are removed this long after (0: kept)
//!
//! [storage]
//! url = "postgres://intoss:…@127.0.0.1:5432/intoss"   # default: DATA_DIR/intoss.db (SQLite)
//!
//! [ratelimit]
//! backend = "memory"            # or "redis://127.0.0.1:6379" to share counters between nodes
//! nodes = 1                     # cluster size: the local fallback limit is qpm / nodes
//!
//! [cluster]
//! poll_interval_ms = 1000       # re-read the store this often (default 1000 on PostgreSQL, else 10000)
//! max_staleness_ms = 10000      # no successful re-read for this long: the gateway answers 503
//!                               # (default 10000 on PostgreSQL, else 0 = no bound)
//!
//! [idv]
//! request_expiry_secs = 600      # an uncompleted 토스 인증 request expires after this
//! live_token_ttl_secs = 3600     # access-token lifetime of live clients (test: one year)
//!
//! [webhooks]
//! ca_file = "partner-ca.pem"     # also trust this CA (PEM) for expiry webhooks and unlink callbacks
//!
//! [sandbox]
//! seed = "seed.toml"             # users and apps written at start where missing (docs/sandbox.md);
//!                                # or an exported state (.json), imported into an empty sandbox
//!
//! [[route]]
//! prefix = "/api-partner/v1/x/"
//! upstream = "http://127.0.0.1:7000"
//! timeout_ms = 30000
//! ```

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("config {path}: {detail}")]
    Parse {
        /// The file.
        path: String,
        /// What toml said, including the key.
        detail: String,
    },
    /// A value that parses but is not acceptable.
    #[error("config key `{key}`: {detail}")]
    Invalid {
        /// The key, e.g. `route[0].upstream`.
        key: String,
        /// Why.
        detail: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    listen: RawListen,
    #[serde(default)]
    tls: RawTls,
    #[serde(default)]
    gateway: RawGateway,
    #[serde(default)]
    expiry: RawExpiry,
    #[serde(default)]
    idv: RawIdv,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    ratelimit: RawRateLimit,
    #[serde(default)]
    cluster: RawCluster,
    #[serde(default)]
    webhooks: RawWebhooks,
    #[serde(default)]
    sandbox: RawSandbox,
    #[serde(default)]
    route: Vec<RawRoute>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    seed: Option<std::path::PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhooks {
    ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    backend: Option<String>,
    nodes: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    poll_interval_ms: Option<u64>,
    max_staleness_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdv {
    request_expiry_secs: Option<i64>,
    live_token_ttl_secs: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListen {
    gateway: Option<String>,
    cert: Option<String>,
    console: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    #[serde(default)]
    server_names: Vec<String>,
    handshake_timeout_ms: Option<u64>,
    header_read_timeout_ms: Option<u64>,
    idle_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    session_cache: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGateway {
    default_qpm: Option<u32>,
    max_body_bytes: Option<usize>,
    journal: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpiry {
    scan_interval_ms: Option<u64>,
    retention_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    prefix: String,
    upstream: String,
    timeout_ms: Option<u64>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// mTLS partner API listener.
    pub gateway_addr: SocketAddr,
    /// Identity-verification listener.
    pub cert_addr: SocketAddr,
    /// Admin API / console listener.
    pub console_addr: SocketAddr,
    /// Names (DNS or IP) on the listeners' certificates, beyond localhost/127.0.0.1/::1.
    pub server_names: Vec<String>,
    /// How long a TLS handshake may take.
    pub handshake_timeout: Duration,
    /// How long a client may take to send request headers (HTTP/1.1, and so also how long an
    /// idle keep-alive connection is kept).
    pub header_read_timeout: Duration,
    /// How long a connection may go without starting a request (both HTTP versions) before it is
    /// closed gracefully.
    pub idle_timeout: Duration,
    /// Open connections per listener; further ones wait in the kernel's accept backlog.
    pub max_connections: usize,
    /// Gateway TLS sessions kept for resumption (TLS 1.3 tickets are single-use; oldest dropped
    /// first); 0 turns resumption off.
    pub session_cache: usize,
    /// QPM of an app created without one.
    pub default_qpm: u32,
    /// Largest request body the gateway reads or forwards.
    pub max_body_bytes: usize,
    /// Whether the gateway keeps the request journal.
    pub journal: bool,
    /// How often expiry warnings are looked for (and old certificates removed).
    pub expiry_scan_interval: Duration,
    /// How long a revoked or expired certificate is kept (its row, notices); `None`: for ever.
    pub cert_retention_secs: Option<i64>,
    /// Reverse-proxy routes, longest prefix first.
    pub routes: Vec<Route>,
    /// Identity-verification settings (the simulator URL is set at start).
    pub idv: intoss_idv::IdvConfig,
    /// Where state lives: `None` for `DATA_DIR/intoss.db`.
    pub storage: Option<StorageUrl>,
    /// Rate-limit counters: in this process, or in Redis shared by every node.
    pub ratelimit: RateLimitBackend,
    /// How often the node re-reads apps, certificates and clients from the store. Changes made
    /// on this node apply at once; this bounds how late they reach the other nodes.
    pub poll_interval: Duration,
    /// How old this node's view of the certificates may get (its last successful re-read) before
    /// the gateway refuses requests with 503 rather than admit a certificate that another node
    /// may have revoked since. `None`: no bound (the default with SQLite, which only this node
    /// writes).
    pub max_staleness: Option<Duration>,
    /// Extra trust anchors (PEM file) for outbound deliveries: expiry webhooks, unlink callbacks.
    pub webhook_ca_file: Option<std::path::PathBuf>,
    /// The sandbox seed: a TOML seed or an exported state (`.json`), read at start.
    pub sandbox_seed: Option<std::path::PathBuf>,
}

/// Where rate-limit counters live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateLimitBackend {
    /// In this process (one node).
    Memory,
    /// In Redis, shared; `nodes` is the divisor of the local fallback limit.
    Redis {
        /// `redis://...`.
        url: String,
        /// Number of nodes in the cluster.
        nodes: u32,
    },
}

/// A database URL, checked for its scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// `sqlite://path` (or `sqlite:path`).
    Sqlite(String),
    /// `postgres://...` (or `postgresql://...`).
    Postgres(String),
}

/// One reverse-proxy route (the gateway's type).
pub use intoss_gateway::Route;

impl Default for Config {
    fn default() -> Self {
        match RawConfig::default().validate() {
            Ok(c) => c,
            // The defaults are constants that validate; a failure is a bug caught by tests.
            Err(e) => unreachable!("default config invalid: {e}"),
        }
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { path: origin.to_owned(), detail: e.to_string() })?;
        raw.validate()
    }

    /// Overrides listener addresses (command-line flags).
    pub fn with_listen(
        mut self,
        gateway: Option<SocketAddr>,
        cert: Option<SocketAddr>,
        console: Option<SocketAddr>,
    ) -> Self {
        self.gateway_addr = gateway.unwrap_or(self.gateway_addr);
        self.cert_addr = cert.unwrap_or(self.cert_addr);
        self.console_addr = console.unwrap_or(self.console_addr);
        self
    }
}

fn invalid(key: impl Into<String>, detail: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), detail: detail.into() }
}

fn addr(key: &str, value: Option<String>, default: &str) -> Result<SocketAddr, ConfigError> {
    let v = value.unwrap_or_else(|| default.to_owned());
    v.parse().map_err(|_| invalid(key, format!("`{v}` is not an address like 127.0.0.1:8443")))
}

fn millis(key: &str, value: Option<u64>, default: u64) -> Result<Duration, ConfigError> {
    match value.unwrap_or(default) {
        0 => Err(invalid(key, "must be greater than 0")),
        ms => Ok(Duration::from_millis(ms)),
    }
}

impl RawConfig {
    fn validate(self) -> Result<Config, ConfigError> {
        let mut routes = Vec::new();
        for (i, r) in self.route.into_iter().enumerate() {
            if !r.prefix.starts_with('/') {
                return Err(invalid(format!("route[{i}].prefix"), "must start with `/`"));
            }
            let upstream: http::Uri = r.upstream.parse().map_err(|_| {
                invalid(format!("route[{i}].upstream"), format!("`{}` is not a URI", r.upstream))
            })?;
            if upstream.scheme_str() != Some("http") || upstream.authority().is_none() {
                return Err(invalid(
                    format!("route[{i}].upstream"),
                    "must be an http://host:port URI (upstreams are reached over plain HTTP on a private network)",
                ));
            }
            if upstream.query().is_some() {
                return Err(invalid(format!("route[{i}].upstream"), "must not carry a query string"));
            }
            routes.push(Route {
                prefix: r.prefix,
                upstream,
                timeout: millis(&format!("route[{i}].timeout_ms"), r.timeout_ms, 30_000)?,
            });
        }
        routes.sort_by_key(|r| std::cmp::Reverse(r.prefix.len()));
        for name in &self.tls.server_names {
            let ok = name.parse::<std::net::IpAddr>().is_ok()
                || (!name.is_empty()
                    && name.len() <= 253
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
            if !ok {
                return Err(invalid("tls.server_names", format!("`{name}` is not a DNS name or IP address")));
            }
        }
        let max_body_bytes = self.gateway.max_body_bytes.unwrap_or(1024 * 1024);
        if max_body_bytes == 0 {
            return Err(invalid("gateway.max_body_bytes", "must be greater than 0"));
        }
        let positive = |key: &str, v: Option<i64>, default: i64, max: i64| match v.unwrap_or(default) {
            n if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid(key, format!("must be between 1 and {max}"))),
        };
        let idv = intoss_idv::IdvConfig {
            request_expiry_secs: positive(
                "idv.request_expiry_secs",
                self.idv.request_expiry_secs,
                600,
                86_400,
            )?,
            live_token_ttl_secs: positive(
                "idv.live_token_ttl_secs",
                self.idv.live_token_ttl_secs,
                3600,
                31_536_000,
            )?,
            ..intoss_idv::IdvConfig::default()
        };
        let default_qpm = self.gateway.default_qpm.unwrap_or(3000);
        if default_qpm > 10_000_000 {
            return Err(invalid("gateway.default_qpm", "at most 10000000"));
        }
        let storage = match self.storage.url {
            None => None,
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Some(StorageUrl::Postgres(u))
            }
            Some(u) if u.starts_with("sqlite:") => Some(StorageUrl::Sqlite(u)),
            Some(u) => {
                let shown = u.split('@').next_back().unwrap_or_default();
                return Err(invalid(
                    "storage.url",
                    format!("`…{shown}` is not a sqlite: or postgres:// URL"),
                ));
            }
        };
        let nodes = self.ratelimit.nodes.unwrap_or(1);
        if !(1..=1000).contains(&nodes) {
            return Err(invalid("ratelimit.nodes", "between 1 and 1000"));
        }
        let ratelimit = match self.ratelimit.backend.as_deref() {
            None | Some("memory") => RateLimitBackend::Memory,
            // Plain redis:// only: this build has no TLS for Redis (keep it on a private network).
            Some(u) if u.starts_with("redis://") => RateLimitBackend::Redis { url: u.to_owned(), nodes },
            Some(_) => return Err(invalid("ratelimit.backend", "`memory` or a redis://host:port URL")),
        };
        // Several nodes share a database: poll often so changes reach every node within 2 s.
        let default_poll = if matches!(storage, Some(StorageUrl::Postgres(_))) { 1000 } else { 10_000 };
        let poll_interval = millis("cluster.poll_interval_ms", self.cluster.poll_interval_ms, default_poll)?;
        // Fail closed in a cluster: a node cut off from PostgreSQL stops admitting after 10 s.
        let default_staleness = if matches!(storage, Some(StorageUrl::Postgres(_))) { 10_000 } else { 0 };
        let max_staleness = match self.cluster.max_staleness_ms.unwrap_or(default_staleness) {
            0 => None,
            ms if u128::from(ms) < 2 * poll_interval.as_millis() => {
                return Err(invalid(
                    "cluster.max_staleness_ms",
                    "0 (no bound) or at least twice cluster.poll_interval_ms",
                ));
            }
            ms => Some(Duration::from_millis(ms)),
        };
        let max_connections = self.tls.max_connections.unwrap_or(10_000);
        if !(1..=1_000_000).contains(&max_connections) {
            return Err(invalid("tls.max_connections", "between 1 and 1000000"));
        }
        let session_cache = self.tls.session_cache.unwrap_or(256);
        if session_cache > 1_000_000 {
            return Err(invalid("tls.session_cache", "at most 1000000"));
        }
        Ok(Config {
            idle_timeout: millis("tls.idle_timeout_ms", self.tls.idle_timeout_ms, 60_000)?,
            max_connections,
            session_cache,
            ratelimit,
            poll_interval,
            max_staleness,
            storage,
            idv,
            webhook_ca_file: self.webhooks.ca_file,
            sandbox_seed: self.sandbox.seed,
            gateway_addr: addr("listen.gateway", self.listen.gateway, "127.0.0.1:8443")?,
            cert_addr: addr("listen.cert", self.listen.cert, "127.0.0.1:9443")?,
            console_addr: addr("listen.console", self.listen.console, "127.0.0.1:9000")?,
            server_names: self.tls.server_names,
            handshake_timeout: millis("tls.handshake_timeout_ms", self.tls.handshake_timeout_ms, 10_000)?,
            header_read_timeout: millis(
                "tls.header_read_timeout_ms",
                self.tls.header_read_timeout_ms,
                10_000,
            )?,
            default_qpm,
            max_body_bytes,
            journal: self.gateway.journal.unwrap_or(true),
            expiry_scan_interval: millis("expiry.scan_interval_ms", self.expiry.scan_interval_ms, 3_600_000)?,
            cert_retention_secs: match self.expiry.retention_days.unwrap_or(90) {
                0 => None,
                days => Some(i64::from(days) * 86_400),
            },
            routes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_design() {
        let c = Config::default();
        assert_eq!(c.gateway_addr.to_string(), "127.0.0.1:8443");
        assert_eq!(c.cert_addr.to_string(), "127.0.0.1:9443");
        assert_eq!(c.console_addr.to_string(), "127.0.0.1:9000");
        assert_eq!(c.default_qpm, 3000);
        assert!(c.journal, "the request journal is on");
        assert!(!Config::parse("[gateway]\njournal = false\n", "t.toml").unwrap().journal);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let err = Config::parse("[listen]\ngatway = \"127.0.0.1:1\"\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("gatway"), "{err}");
        let err = Config::parse("colour = 1\n", "t.toml").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[listen]\ngateway = \"nope\"\n", "listen.gateway"),
            ("[[route]]\nprefix = \"x\"\nupstream = \"http://127.0.0.1:1\"\n", "route[0].prefix"),
            ("[[route]]\nprefix = \"/x\"\nupstream = \"https://a:1\"\n", "route[0].upstream"),
            ("[tls]\nhandshake_timeout_ms = 0\n", "tls.handshake_timeout_ms"),
            ("[tls]\nserver_names = [\"a b\"]\n", "tls.server_names"),
            ("[tls]\nmax_connections = 0\n", "tls.max_connections"),
            ("[tls]\nsession_cache = 2000000\n", "tls.session_cache"),
            ("[cluster]\npoll_interval_ms = 1000\nmax_staleness_ms = 1500\n", "cluster.max_staleness_ms"),
        ] {
            let err = Config::parse(text, "t.toml").unwrap_err();
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn routes_are_matched_longest_prefix_first() {
        let c = Config::parse(
            "[[route]]\nprefix = \"/a/\"\nupstream = \"http://127.0.0.1:1\"\n[[route]]\nprefix = \"/a/b/\"\nupstream = \"http://127.0.0.1:2\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.routes[0].prefix, "/a/b/");
    }
}
