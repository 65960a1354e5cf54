//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// intoss: the Apps-in-Toss server-integration platform, and the tools to operate it.
#[derive(Debug, Parser)]
#[command(name = "intoss", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Flags every subcommand accepts, before or after its own arguments.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// The platform's data directory (CA, database, admin token, endpoints.json).
    #[arg(long, global = true, env = "INTOSS_DATA_DIR", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Admin API base URL, e.g. https://127.0.0.1:9000 (default: from DIR/endpoints.json).
    #[arg(long, global = true, env = "INTOSS_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// Admin token (default: DIR/admin-token).
    #[arg(long, global = true, env = "INTOSS_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// CA certificate to trust for the admin API (default: DIR/ca.pem).
    #[arg(long = "server-ca", global = true, env = "INTOSS_SERVER_CA", value_name = "FILE")]
    pub(crate) server_ca: Option<PathBuf>,
}

impl Global {
    /// The data dir, defaulting to `./intoss-data`.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| PathBuf::from("intoss-data"))
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the platform: gateway, identity verification and console listeners.
    Serve(Serve),
    /// Create or upgrade the database schema ([storage] url of the config, or DIR/intoss.db).
    Migrate {
        /// TOML configuration file.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Manage partner apps.
    #[command(subcommand)]
    App(AppCmd),
    /// Issue, list and revoke mTLS client certificates.
    #[command(subcommand)]
    Cert(CertCmd),
    /// Sandbox: inject faults into an app's gateway answers (FAIL envelopes, resultTypes,
    /// latency, dropped connections, invalid_grant, 429).
    #[command(subcommand)]
    Fault(crate::fault_cmds::FaultCmd),
    /// Sandbox: an app's request journal (its last gateway requests).
    #[command(subcommand)]
    Logs(crate::fault_cmds::LogsCmd),
    /// Sandbox: an app's test clock (move its time ahead to reach expiries).
    #[command(subcommand)]
    Clock(crate::sandbox_cmds::ClockCmd),
    /// Sandbox: export, import and reset the sandbox state; test mode.
    #[command(subcommand)]
    Sandbox(crate::sandbox_cmds::SandboxCmd),
    /// Rotate the platform's root CA (a new root cross-signed by the old).
    #[command(subcommand)]
    Ca(crate::renew_cmds::CaCmd),
    /// Identity verification (토스 인증): clients, transactions, and the user simulator.
    #[command(subcommand)]
    Idv(IdvCmd),
    /// Sandbox users: the people who log in to apps in the simulator (토스 로그인).
    #[command(subcommand)]
    User(crate::login_cmds::UserCmd),
    /// The Toss-app simulator: act as a user (log in to an app, unlink it, approve a payment, buy
    /// a product).
    #[command(subcommand)]
    Sim(crate::login_cmds::SimCmd),
    /// Webhook endpoints, their secrets, the event log, replay, and offline verification.
    #[command(subcommand)]
    Webhook(crate::event_cmds::WebhookCmd),
    /// Emit a sample event of a type (PAYMENT_STATUS_CHANGED, LOGIN_UNLINKED, …) for an app.
    Trigger {
        /// The event type.
        event_type: String,
        /// The app.
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Forward an app's events to a local receiver, signed (no public URL needed).
    Listen {
        /// The app.
        #[arg(long)]
        app: String,
        /// The local receiver, e.g. http://127.0.0.1:3000/hook.
        #[arg(long)]
        forward_to: String,
        /// Only these event types (comma-separated).
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
    },
    /// Partner side: send one mTLS request and pretty-print the envelope.
    Call(crate::call::CallArgs),
    /// Partner side: check a certificate, its key, its chain, its expiry and a TLS connection.
    Doctor(crate::doctor::DoctorArgs),
    /// Partner side: firewall allow rules for the Toss / Apps-in-Toss IP tables.
    Firewall(crate::firewall::FirewallArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum IdvCmd {
    /// OAuth clients (client_id / client_secret) of the identity-verification service.
    #[command(subcommand)]
    Client(IdvClientCmd),
    /// Recent transactions.
    List {
        /// Only this client's.
        #[arg(long)]
        client_id: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One transaction.
    Show {
        /// The txId.
        tx_id: String,
    },
    /// Simulator: the user opens the Toss app (REQUESTED → IN_PROGRESS).
    Open {
        /// The txId.
        tx_id: String,
    },
    /// Simulator: the user authenticates (→ COMPLETED). Test clients always get 김토스.
    Complete {
        /// The txId.
        tx_id: String,
        /// Name (default: the request's, else 홍길동).
        #[arg(long)]
        name: Option<String>,
        /// Birthday YYYYMMDD (default: the request's, else 19900101).
        #[arg(long)]
        birthday: Option<String>,
        /// MALE or FEMALE (default MALE).
        #[arg(long)]
        gender: Option<String>,
        /// LOCAL or FOREIGNER (default LOCAL).
        #[arg(long)]
        nationality: Option<String>,
        /// Phone, digits only (default: the request's).
        #[arg(long)]
        phone: Option<String>,
    },
    /// Simulator: the user lets the request lapse (→ EXPIRED).
    Expire {
        /// The txId.
        tx_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum IdvClientCmd {
    /// Create a client; prints client_id and client_secret (the secret is shown only once).
    Create {
        /// The app it belongs to.
        #[arg(long)]
        app: String,
        /// test (`test_` credentials, 1-year tokens, the virtual person 김토스) or live.
        #[arg(long, value_parser = ["test", "live"], default_value = "test")]
        env: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List clients.
    List {
        /// Only this app's.
        #[arg(long)]
        app: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a client; its tokens stop working at once on this node, on others within the poll interval.
    Delete {
        /// The client_id.
        client_id: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct Serve {
    /// TOML configuration file (unknown keys are refused).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Gateway listen address (overrides [listen] gateway).
    #[arg(long, value_name = "ADDR")]
    pub(crate) gateway: Option<SocketAddr>,
    /// Identity-verification listen address (overrides [listen] cert).
    #[arg(long, value_name = "ADDR")]
    pub(crate) cert: Option<SocketAddr>,
    /// Console listen address (overrides [listen] console).
    #[arg(long, value_name = "ADDR")]
    pub(crate) console: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AppCmd {
    /// Create an app.
    Create {
        /// App name: letters, digits, `-`, `_`, `.`.
        name: String,
        /// Requests per minute (default 3000).
        #[arg(long)]
        qpm: Option<u32>,
        /// Source IPs allowed to call: CIDR, address or range like 117.52.3.80~87. Repeatable.
        #[arg(long = "allow-ip", value_name = "CIDR_OR_RANGE")]
        allow_ip: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List apps.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change an app's settings.
    Set {
        /// App name.
        name: String,
        /// New requests-per-minute limit.
        #[arg(long)]
        qpm: Option<u32>,
        /// Replace the allowlist with these entries. Repeatable.
        #[arg(long = "allow-ip", value_name = "CIDR_OR_RANGE")]
        allow_ip: Vec<String>,
        /// Remove the allowlist (admit every address).
        #[arg(long, conflicts_with = "allow_ip")]
        allow_any_ip: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// An app with its Toss Login settings and field-decryption key (and AAD).
    Show {
        /// App name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change an app's Toss Login settings (test mode, return URL, unlink callback, key).
    Login(crate::login_cmds::AppLoginArgs),
    /// Show or change an app's Toss Pay settings (how isTestPayment is read, live payments,
    /// approval time).
    Pay(crate::pay_cmds::AppPayArgs),
    /// Show or change how an app's certificates may renew themselves over mTLS (allowed, the
    /// window before expiry, platform-generated keys, the most active certificates).
    Renewal(crate::renew_cmds::AppRenewalArgs),
    /// In-app purchase products (sku) of an app: add, list, delete.
    #[command(subcommand)]
    Product(crate::pay_cmds::ProductCmd),
    /// Message templates (기능성 푸시, 알림) of an app: add, list, review.
    #[command(subcommand)]
    Template(crate::message_cmds::TemplateCmd),
    /// Promotions (프로모션, 토스 포인트) of an app: add, list, pause/resume/end.
    #[command(subcommand)]
    Promotion(crate::promotion_cmds::PromotionCmd),
}

#[derive(Debug, Subcommand)]
pub(crate) enum CertCmd {
    /// Issue a client certificate (valid 390 days) and write client-cert.pem / client-key.pem.
    Issue {
        /// The app.
        #[arg(long)]
        app: String,
        /// Where to write the files (default: current directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Key type of a generated key.
        #[arg(long, value_parser = ["rsa2048", "p256"], conflicts_with = "csr")]
        key_type: Option<String>,
        /// Keep your own key: send this PKCS#10 CSR (PEM) instead.
        #[arg(long, value_name = "FILE")]
        csr: Option<PathBuf>,
        /// Overwrite client-cert.pem / client-key.pem if they exist in --out.
        #[arg(long)]
        force: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List certificates.
    List {
        /// Only this app's.
        #[arg(long)]
        app: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Partner side: renew a certificate over mTLS with itself (no admin token): now, when
    /// due (--if-due), or whenever due (--daemon); the files are replaced atomically.
    Renew(crate::renew_cmds::RenewArgs),
    /// Revoke a certificate at once.
    Revoke {
        /// Serial (hex, colons allowed).
        serial: String,
        /// Why (kept with the revocation).
        #[arg(long)]
        reason: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}
