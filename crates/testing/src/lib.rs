//! `intoss-testing`: an intoss platform inside a partner's own tests.
//!
//! [`Sandbox::spawn`] starts the whole platform in the test's process, on ephemeral ports of
//! 127.0.0.1 and in a temporary data directory (SQLite), and [`Sandbox::app`] makes an app with
//! an mTLS certificate and a ready [`PartnerClient`]. Dropping the sandbox removes its directory;
//! [`Sandbox::shutdown`] also waits for the listeners to stop.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = intoss_testing::Sandbox::spawn().await?;
//! let app = sandbox.app("my-app").await?;
//! let me: serde_json::Value = app.partner.get("/api-partner/v1/whoami").await?;
//! assert_eq!(me["app"], "my-app");
//! // The user's side: log kim-toss in to the app and get an authorization code.
//! let code = sandbox.admin().sim_login(&intoss_testing::sim_login("my-app", "kim-toss")).await?;
//! # let _ = code;
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};

use intoss_client::{AdminClient, ClientError, PartnerClient};
use intoss_proto::api::Endpoints;
use intoss_proto::api::admin::{CreateApp, IssueCert};
use intoss_proto::api::login::SimLogin;

/// Why a sandbox could not be started or set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The temporary directory or a file in it.
    #[error("sandbox files: {0}")]
    Io(#[from] std::io::Error),
    /// The platform did not start.
    #[error("the platform did not start: {0}")]
    Start(String),
    /// An admin or partner call failed.
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A running platform for a test. Cheap to share by reference; one per test keeps tests apart.
pub struct Sandbox {
    running: intoss_server::Running,
    admin: AdminClient,
    ca_pem: Vec<u8>,
    data_dir: PathBuf,
    // Last: removed after the platform is gone.
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("endpoints", &self.running.endpoints).finish_non_exhaustive()
    }
}

/// An app of the sandbox with one client certificate.
#[derive(Debug, Clone)]
pub struct TestApp {
    /// The app's name.
    pub name: String,
    /// The certificate's serial.
    pub serial: String,
    /// `client-cert.pem`.
    pub cert_pem: String,
    /// `client-key.pem` (P-256, PKCS#8); the platform does not keep it.
    pub key_pem: String,
    /// The Apps-in-Toss API over mTLS with this certificate, trusting the sandbox's CA.
    pub partner: PartnerClient,
}

/// A [`SimLogin`] of `user` to `app` consenting to the user's name, for the simulator.
pub fn sim_login(app: &str, user: &str) -> SimLogin {
    SimLogin {
        app: app.to_owned(),
        user: user.to_owned(),
        scopes: vec!["USER_NAME".to_owned()],
        agreed_terms: vec![],
        referrer: None,
    }
}

impl Sandbox {
    /// Starts a platform on 127.0.0.1 with ephemeral ports and a fresh data directory.
    pub async fn spawn() -> Result<Self, SandboxError> {
        Self::spawn_with("").await
    }

    /// Like [`Sandbox::spawn`], with `extra` TOML appended to the configuration (for example
    /// `[limits]` or `[[route]]` sections). The listeners are always on ephemeral ports.
    pub async fn spawn_with(extra: &str) -> Result<Self, SandboxError> {
        // The SDK and the platform share one rustls provider; a test binary may have one already.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let dir = tempfile::tempdir()?;
        let data_dir = dir.path().join("data");
        let text = format!(
            "[listen]\ngateway = \"127.0.0.1:0\"\ncert = \"127.0.0.1:0\"\nconsole = \"127.0.0.1:0\"\n{extra}"
        );
        let config = intoss_server::Config::parse(&text, "intoss-testing")
            .map_err(|e| SandboxError::Start(e.to_string()))?;
        let running = intoss_server::start(data_dir.clone(), config)
            .await
            .map_err(|e| SandboxError::Start(e.to_string()))?;
        let ca_pem = std::fs::read(data_dir.join("ca.pem"))?;
        let token = std::fs::read_to_string(data_dir.join("admin-token"))?;
        let tls = intoss_client::tls::client_config(&ca_pem, None)?;
        let admin = AdminClient::new(tls, &format!("https://{}", running.endpoints.console), &token);
        Ok(Self { running, admin, ca_pem, data_dir, dir })
    }

    /// Where the listeners are.
    pub fn endpoints(&self) -> Endpoints {
        self.running.endpoints
    }

    /// `https://` and the gateway's address: the Apps-in-Toss API base URL.
    pub fn gateway_url(&self) -> String {
        format!("https://{}", self.running.endpoints.gateway)
    }

    /// The admin API (apps, certificates, the user simulator), authenticated.
    pub fn admin(&self) -> &AdminClient {
        &self.admin
    }

    /// The sandbox CA's certificate (PEM): what a client trusts for every listener.
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// The data directory (`ca.pem`, `admin-token`, `intoss.db`, …).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Creates the app `name` (default limits) with a P-256 client certificate, and a
    /// [`PartnerClient`] that presents it.
    pub async fn app(&self, name: &str) -> Result<TestApp, SandboxError> {
        self.admin.create_app(&CreateApp::named(name)).await?;
        self.certificate(name).await
    }

    /// Issues another certificate to an existing app.
    pub async fn certificate(&self, app: &str) -> Result<TestApp, SandboxError> {
        let issued = self.admin.issue_cert(app, &IssueCert::generated("p256")).await?;
        let key_pem = issued.key_pem.ok_or_else(|| SandboxError::Start("no key in the answer".into()))?;
        let partner = PartnerClient::builder()
            .base_url(self.gateway_url())
            .identity_pem(issued.cert_pem.clone().into_bytes(), key_pem.clone().into_bytes())
            .private_ca(self.ca_pem.clone())
            .build()?;
        Ok(TestApp {
            name: app.to_owned(),
            serial: issued.certificate.serial,
            cert_pem: issued.cert_pem,
            key_pem,
            partner,
        })
    }

    /// Stops the platform (in-flight requests finish) and removes its directory.
    pub async fn shutdown(self) {
        let Self { running, dir, .. } = self;
        running.shutdown().await;
        drop(dir);
    }
}
