//! Test harness: start `intoss serve` in a temp dir, call it, issue certificates.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use intoss_client::{AdminClient, HttpsClient, Response};
pub use intoss_proto::api::admin::{CreateApp, IssueCert, PatchApp};
use serde_json::Value;

/// The `intoss` binary under test: `$INTOSS_BIN`, else `intoss` in the target directory this
/// test binary was built in (`target/<profile>/deps/it-…` → `target/<profile>/intoss`).
/// `cargo test --workspace` and `cargo test -p intoss-cli -p intoss-integration` build it.
pub fn bin() -> PathBuf {
    static BIN: std::sync::LazyLock<PathBuf> = std::sync::LazyLock::new(|| {
        if let Some(p) = std::env::var_os("INTOSS_BIN") {
            return PathBuf::from(p);
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
        let bin = profile_dir.join(format!("intoss{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "{} is missing: run `cargo test -p intoss-cli -p intoss-integration` (or --workspace), \
             which builds it, or set INTOSS_BIN",
            bin.display()
        );
        bin
    });
    BIN.clone()
}

pub fn install_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A running `intoss serve`, killed on drop.
pub struct Server {
    pub child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub endpoints: intoss_proto::api::Endpoints,
    pub extra_config: String,
}

impl Server {
    /// Starts with ephemeral ports and `extra` appended to the config.
    pub fn start_with(extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Self {
            child: None,
            dir,
            endpoints: intoss_proto::api::Endpoints {
                gateway: "127.0.0.1:1".parse().unwrap(),
                cert: "127.0.0.1:1".parse().unwrap(),
                console: "127.0.0.1:1".parse().unwrap(),
            },
            extra_config: extra.to_owned(),
        };
        s.spawn();
        s
    }

    pub fn start() -> Self {
        Self::start_with("")
    }

    /// A second node of the same platform: the operator distributes the CA, server and
    /// identity-verification keys and the admin token to every node (docs/cluster.md).
    pub fn start_node_of(first: &Server, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        for entry in std::fs::read_dir(first.data_dir()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("intoss.db") || name == "endpoints.json" {
                continue;
            }
            std::fs::copy(&path, data.join(&name)).unwrap();
        }
        let mut s = Self { child: None, dir, endpoints: first.endpoints, extra_config: extra.to_owned() };
        s.spawn();
        s
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("intoss.toml")
    }

    /// (Re)starts the process on the same data dir, with fresh ephemeral ports.
    pub fn spawn(&mut self) {
        install_provider();
        let config = format!(
            "[listen]\ngateway = \"127.0.0.1:0\"\ncert = \"127.0.0.1:0\"\nconsole = \"127.0.0.1:0\"\n{}",
            self.extra_config
        );
        std::fs::write(self.config_path(), config).unwrap();
        let endpoints = self.data_dir().join("endpoints.json");
        let _ = std::fs::remove_file(&endpoints);
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log_path()).unwrap();
        let child = Command::new(bin())
            .args(["serve", "--data-dir"])
            .arg(self.data_dir())
            .arg("--config")
            .arg(self.config_path())
            .env("INTOSS_LOG", "info,intoss_server=debug")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(&endpoints)
                && let Ok(ep) = serde_json::from_str(&text)
            {
                self.endpoints = ep;
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("intoss serve exited with {status}; log:\n{}", self.log());
            }
            assert!(Instant::now() < deadline, "intoss serve did not start; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("serve.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().unwrap();
        signal(c.id(), "TERM");
        c.wait().unwrap()
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.data_dir().join("ca.pem")).unwrap()
    }

    pub fn admin(&self) -> AdminClient {
        let token = std::fs::read_to_string(self.data_dir().join("admin-token")).unwrap();
        let cfg = intoss_client::tls::client_config(&self.ca_pem(), None).unwrap();
        AdminClient::new(cfg, &format!("https://{}", self.endpoints.console), &token)
    }

    /// Runs the CLI against this server's data dir.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(bin()).args(args).arg("--data-dir").arg(self.data_dir()).output().unwrap()
    }

    /// Runs the CLI and requires success; returns stdout.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "intoss {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Creates `app` and issues one certificate into `DIR/<app>-<n>/`. Returns the files.
    pub fn app_with_cert(&self, app: &str, extra: &[&str]) -> Identity {
        let mut args = vec!["app", "create", app];
        args.extend_from_slice(extra);
        self.cli_ok(&args);
        self.issue(app)
    }

    /// Issues a certificate for an existing app.
    pub fn issue(&self, app: &str) -> Identity {
        let out = tempfile::tempdir_in(self.dir.path()).unwrap().keep();
        let json = self.cli_ok(&[
            "cert",
            "issue",
            "--app",
            app,
            "--key-type",
            "p256",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        let v: Value = serde_json::from_str(&json).unwrap();
        Identity { dir: out, serial: v["serial"].as_str().unwrap().to_owned() }
    }

    pub fn gateway_url(&self, path: &str) -> String {
        format!("https://{}{path}", self.endpoints.gateway)
    }

    /// An mTLS client with `id` (or none) trusting the platform CA.
    pub fn client(&self, id: Option<&Identity>) -> HttpsClient {
        let cfg = match id {
            Some(id) => {
                intoss_client::tls::client_config(&self.ca_pem(), Some((&id.cert(), &id.key()))).unwrap()
            }
            None => intoss_client::tls::client_config(&self.ca_pem(), None).unwrap(),
        };
        HttpsClient::new(cfg)
    }

    /// An mTLS client restricted to TLS 1.2, where the server checks the client certificate
    /// before the client finishes its handshake: a refusal always arrives as the server's alert.
    pub fn client_tls12(&self, id: &Identity) -> HttpsClient {
        let mut roots = rustls::RootCertStore::empty();
        for c in intoss_client::tls::certs_from_pem(&self.ca_pem(), "ca").unwrap() {
            roots.add(c).unwrap();
        }
        let cfg = rustls::ClientConfig::builder_with_provider(intoss_client::tls::policy_provider())
            .with_protocol_versions(&[&rustls::version::TLS12])
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(
                intoss_client::tls::certs_from_pem(&id.cert(), "cert").unwrap(),
                intoss_client::tls::key_from_pem(&id.key(), "key").unwrap(),
            )
            .unwrap();
        HttpsClient::new(cfg)
    }

    /// Asserts that `id` is refused in the handshake, on TLS 1.3 (no HTTP response at all) and
    /// on TLS 1.2 (with the server's alert). Returns the TLS 1.2 explanation.
    pub async fn assert_refused_in_handshake(&self, id: &Identity) -> String {
        let url = self.gateway_url("/api-partner/v1/whoami");
        match get(&self.client(Some(id)), &url).await {
            Err(intoss_client::ClientError::Tls(_) | intoss_client::ClientError::Transport(_)) => {}
            other => panic!("TLS 1.3: expected the connection to be refused, got {other:?}"),
        }
        match get(&self.client_tls12(id), &url).await {
            Err(intoss_client::ClientError::Tls(msg)) => msg,
            other => panic!("TLS 1.2: expected a TLS alert, got {other:?}"),
        }
    }

    /// Loads the platform CA from the data dir, to mint test certificates.
    pub fn ca(&self) -> intoss_pki::CertificateAuthority {
        let cert = std::fs::read_to_string(self.data_dir().join("ca.pem")).unwrap();
        let key = std::fs::read_to_string(self.data_dir().join("ca-key.pem")).unwrap();
        intoss_pki::CertificateAuthority::from_pem(&cert, &key).unwrap()
    }
}

impl Server {
    /// What must never appear in a server log: private keys, the admin token, client secrets and
    /// access tokens, and the personal data the tests send or receive.
    pub fn log_problems(&self) -> Vec<String> {
        let log = self.log();
        let token = std::fs::read_to_string(self.data_dir().join("admin-token")).unwrap_or_default();
        let mut problems = Vec::new();
        let mut forbidden: Vec<(&str, String)> = vec![
            ("private key", "PRIVATE KEY".into()),
            ("access token (JWT)", "eyJ".into()),
            ("personal data", "김토스".into()),
            ("personal data", "홍길동".into()),
            ("personal data", "김철수".into()),
            ("personal data", "19930324".into()),
            ("personal data", "01012345678".into()),
        ];
        if token.trim().len() >= 32 {
            forbidden.push(("admin token", token.trim().to_owned()));
        }
        for (what, needle) in &forbidden {
            if log.contains(needle.as_str()) {
                problems.push(format!("{what} in the server log"));
            }
        }
        // Client secrets and the admin token are 64 hex digits; nothing else logged is that long.
        let long_hex = log.split(|c: char| !c.is_ascii_hexdigit()).any(|run| run.len() >= 64);
        if long_hex {
            problems.push("a 64-hex-digit secret in the server log".into());
        }
        problems
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        // Every test's server log is checked for secrets (issue 8's "secrets" check, suite-wide).
        if !std::thread::panicking() {
            let problems = self.log_problems();
            assert!(problems.is_empty(), "{problems:?}\n--- log ---\n{}", self.log());
        }
    }
}

pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().unwrap();
    assert!(ok.success());
}

/// A client certificate and key on disk.
#[derive(Debug, Clone)]
pub struct Identity {
    pub dir: PathBuf,
    pub serial: String,
}

impl Identity {
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("client-cert.pem")
    }
    pub fn key_path(&self) -> PathBuf {
        self.dir.join("client-key.pem")
    }
    pub fn cert(&self) -> Vec<u8> {
        std::fs::read(self.cert_path()).unwrap()
    }
    pub fn key(&self) -> Vec<u8> {
        std::fs::read(self.key_path()).unwrap()
    }
    /// Writes PEM text as an identity in `dir`.
    pub fn write(dir: &Path, cert_pem: &str, key_pem: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("client-cert.pem"), cert_pem).unwrap();
        std::fs::write(dir.join("client-key.pem"), key_pem).unwrap();
        Self { dir: dir.to_owned(), serial: String::new() }
    }
}

pub async fn get(client: &HttpsClient, url: &str) -> Result<Response, intoss_client::ClientError> {
    client.send(hyper::Method::GET, url, &[], None).await
}

/// Parses a response body as JSON.
pub fn json(resp: &Response) -> Value {
    serde_json::from_slice(&resp.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", resp.body))
}

/// Asserts a FAIL envelope with `status` and `code`; returns the reason.
pub fn assert_fail(resp: &Response, status: u16, code: &str) -> String {
    let v = json(resp);
    assert_eq!(resp.status.as_u16(), status, "status of {v}");
    assert_eq!(v["resultType"], "FAIL", "{v}");
    assert_eq!(v["error"]["errorCode"], code, "{v}");
    let reason = v["error"]["reason"].as_str().unwrap_or_default().to_owned();
    assert!(!reason.is_empty(), "FAIL envelopes carry a reason: {v}");
    reason
}

/// Runs `intoss serve` with `config` (TOML text) in a fresh dir; it must refuse to start.
/// Returns its stderr.
pub fn serve_refused(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.toml"), config).unwrap();
    let out = Command::new(bin())
        .args(["serve", "--data-dir"])
        .arg(dir.path().join("d"))
        .arg("--config")
        .arg(dir.path().join("c.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "intoss serve started with {config}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether a program is installed.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skips (returns false) when `program` is missing, unless INTOSS_REQUIRE_INTEROP=1 (set by
/// scripts/test and CI), in which case a missing program fails the test.
pub fn require(program: &str) -> bool {
    if have(program) {
        return true;
    }
    assert!(
        std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
        "{program} is required (INTOSS_REQUIRE_INTEROP=1)"
    );
    eprintln!("skipping: {program} is not installed");
    false
}

/// An access token from the cert listener's `/token` for an identity-verification client, given
/// the JSON of `intoss idv client create --json`.
pub async fn idv_access_token(s: &Server, client: &Value) -> String {
    let form = format!(
        "grant_type=client_credentials&scope=ca&client_id={}&client_secret={}",
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap()
    );
    let r = s
        .client(None)
        .send(
            intoss_client::Method::POST,
            &format!("https://{}/token", s.endpoints.cert),
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.into_bytes()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
    json(&r)["access_token"].as_str().unwrap().to_owned()
}

/// Reads from `sock` up to the end of an HTTP/1.1 request head (`\r\n\r\n`), for raw test
/// upstreams; `None` if the peer closes or fails first.
pub async fn read_http_head(sock: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    }
    Some(head)
}
