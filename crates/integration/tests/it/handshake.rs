//! Handshake conformance on the gateway, in the manner of tlsfuzzer's certificate scripts
//! (tlsfuzzer itself is not on PyPI). A raw rustls client runs each handshake on TLS 1.2 and on
//! TLS 1.3. When the client's half of the handshake completes, it sends an HTTP request and reads.
//! Each case asserts that the server refused with an alert and that no byte of an HTTP response
//! came back.
//!
//! - (a) an empty Certificate message, sent when the server asks for one;
//! - (b) a CertificateVerify signed with a key other than the certificate's;
//! - (c) a wrong extended key usage, or a CA certificate as the client certificate, each with the
//!   serial of a live certificate. The platform's serial gate would have admitted them, so the
//!   refusal comes from the certificate checks themselves.
//!   `mtls::foreign_ca_expired_and_wrong_eku_fail_the_handshake` covers the same EKU with an
//!   unknown serial;
//! - (d) chains through an intermediate CA: one the platform never issued under its own root, and
//!   ones under foreign roots, one of them named like the platform's.
//!
//! Every case has a control: the same client with the right certificate and key gets `200`.
//! The test PKI comes from `intoss_pki` and from `openssl x509 -req`, which can sign a CA
//! certificate and set a chosen serial.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::ResolvesClientCert;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, SignatureScheme, SupportedProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

const VERSIONS: [(&str, &SupportedProtocolVersion); 2] =
    [("TLS 1.2", &rustls::version::TLS12), ("TLS 1.3", &rustls::version::TLS13)];

/// What the client presents when the server asks for a certificate.
enum Present {
    Nothing,
    Chain(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>),
    /// A certificate with the signing key of another one: rustls' own builder refuses to pair
    /// them, a resolver does not check.
    Mismatched(Arc<CertifiedKey>),
}

#[derive(Debug)]
struct Always(Arc<CertifiedKey>);

impl ResolvesClientCert for Always {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn client_config(
    s: &Server,
    version: &'static SupportedProtocolVersion,
    present: &Present,
) -> Arc<ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in intoss_client::tls::certs_from_pem(&s.ca_pem(), "ca").unwrap() {
        roots.add(c).unwrap();
    }
    let builder = ClientConfig::builder_with_provider(intoss_client::tls::policy_provider())
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match present {
        Present::Nothing => builder.with_no_client_auth(),
        Present::Chain(chain, key) => builder.with_client_auth_cert(chain.clone(), key.clone_key()).unwrap(),
        Present::Mismatched(ck) => builder.with_client_cert_resolver(Arc::new(Always(ck.clone()))),
    })
}

/// How one connection ended.
#[derive(Debug)]
enum Outcome {
    /// The connection failed; the error (an alert, or a close) and how many bytes came back.
    Refused { error: String, received: usize },
    /// The server answered: this is what came back.
    Answered(String),
}

/// Handshakes, then (if the client's side completed) sends a request and reads to the end.
async fn attempt(addr: SocketAddr, config: Arc<ClientConfig>) -> Outcome {
    let run = async {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = ServerName::IpAddress(addr.ip().into());
        let mut tls = match tokio_rustls::TlsConnector::from(config).connect(name, tcp).await {
            Ok(tls) => tls,
            Err(e) => return Outcome::Refused { error: e.to_string(), received: 0 },
        };
        // TLS 1.3: the client is done before the server has read its certificate; the verdict
        // comes with the server's first flight after that.
        let request = b"GET /api-partner/v1/whoami HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n";
        if let Err(e) = tls.write_all(request).await {
            return Outcome::Refused { error: e.to_string(), received: 0 };
        }
        let mut got = Vec::new();
        match tls.read_to_end(&mut got).await {
            Ok(_) if got.is_empty() => {
                Outcome::Refused { error: "closed without an answer".into(), received: 0 }
            }
            Ok(_) => Outcome::Answered(String::from_utf8_lossy(&got).into_owned()),
            Err(e) => Outcome::Refused { error: e.to_string(), received: got.len() },
        }
    };
    tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .expect("the gateway neither answered nor refused")
}

/// Asserts the handshake is refused with a TLS alert on both versions and nothing is answered.
/// `alerts[i]` is the alert expected on `VERSIONS[i]` (`""`: any alert).
async fn assert_refused(s: &Server, case: &str, present: &Present, alerts: [&str; 2]) {
    for ((version_name, version), alert) in VERSIONS.into_iter().zip(alerts) {
        match attempt(s.endpoints.gateway, client_config(s, version, present)).await {
            Outcome::Refused { error, received } => {
                assert_eq!(received, 0, "{case}, {version_name}: bytes came back before the refusal");
                assert!(
                    error.contains(&format!("received fatal alert: {alert}")),
                    "{case}, {version_name}: expected the alert {alert}, got: {error}"
                );
            }
            Outcome::Answered(text) => panic!("{case}, {version_name}: the gateway answered:\n{text}"),
        }
    }
}

/// The control: the same client with `present` gets the whoami answer on both versions.
async fn assert_answered(s: &Server, case: &str, present: &Present) {
    for (version_name, version) in VERSIONS {
        match attempt(s.endpoints.gateway, client_config(s, version, present)).await {
            Outcome::Answered(text) => {
                assert!(text.starts_with("HTTP/1.1 200"), "{case}, {version_name}:\n{text}");
            }
            refused => panic!("{case}, {version_name}: expected an answer, got {refused:?}"),
        }
    }
}

fn chain(id: &Identity) -> Vec<CertificateDer<'static>> {
    intoss_client::tls::certs_from_pem(&id.cert(), "cert").unwrap()
}

fn key(id: &Identity) -> PrivateKeyDer<'static> {
    intoss_client::tls::key_from_pem(&id.key(), "key").unwrap()
}

fn files(cert: &Path, key: &Path) -> Present {
    let pem = std::fs::read(cert).unwrap();
    let key = std::fs::read(key).unwrap();
    Present::Chain(
        intoss_client::tls::certs_from_pem(&pem, "chain").unwrap(),
        intoss_client::tls::key_from_pem(&key, "key").unwrap(),
    )
}

#[tokio::test]
async fn an_empty_certificate_message_is_refused_with_an_alert() {
    let s = Server::start();
    let id = s.app_with_cert("a", &[]);
    // rustls answers the CertificateRequest with an empty Certificate message.
    assert_refused(
        &s,
        "empty Certificate",
        &Present::Nothing,
        ["CertificateRequired", "CertificateRequired"],
    )
    .await;
    assert_answered(&s, "control", &Present::Chain(chain(&id), key(&id))).await;
}

#[tokio::test]
async fn a_certificate_verify_signed_with_another_key_is_refused() {
    let s = Server::start();
    let id = s.app_with_cert("a", &[]);
    let provider = intoss_client::tls::policy_provider();
    let load = |k: PrivateKeyDer<'static>| provider.key_provider.load_private_key(k).unwrap();

    // The key of another live certificate of the same app: the signature is checked against the
    // certificate presented, not against any key the platform knows.
    let other = s.issue("a");
    let ck = CertifiedKey::new(chain(&id), load(key(&other)));
    assert_refused(
        &s,
        "CertificateVerify by another P-256 key",
        &Present::Mismatched(Arc::new(ck)),
        ["DecryptError", "DecryptError"],
    )
    .await;

    // An RSA key under an ECDSA certificate: the scheme does not match the certificate's key.
    let dir = s.dir.path().join("rsa");
    s.cli_ok(&["cert", "issue", "--app", "a", "--key-type", "rsa2048", "--out", dir.to_str().unwrap()]);
    let rsa =
        intoss_client::tls::key_from_pem(&std::fs::read(dir.join("client-key.pem")).unwrap(), "key").unwrap();
    let ck = CertifiedKey::new(chain(&id), load(rsa));
    assert_refused(
        &s,
        "CertificateVerify by an RSA key",
        &Present::Mismatched(Arc::new(ck)),
        ["DecryptError", "DecryptError"],
    )
    .await;

    // The control goes through the same resolver, with the certificate's own key.
    let ck = CertifiedKey::new(chain(&id), load(key(&id)));
    assert_answered(&s, "control", &Present::Mismatched(Arc::new(ck))).await;
}

/// Test PKI made with `openssl`: keys, and certificates signed by a given issuer with a given
/// serial and extensions.
struct Pki {
    dir: PathBuf,
    /// The platform CA's certificate and key.
    root: (PathBuf, PathBuf),
}

impl Pki {
    fn new(s: &Server) -> Self {
        let dir = s.dir.path().join("pki");
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir, root: (s.data_dir().join("ca.pem"), s.data_dir().join("ca-key.pem")) }
    }

    /// The platform root, as `sign` takes an issuer.
    fn root(&self) -> (&Path, &Path) {
        (&self.root.0, &self.root.1)
    }

    fn openssl(&self, args: &[&str]) {
        let out = Command::new("openssl").args(args).current_dir(&self.dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A new P-256 key (PKCS#8).
    fn key(&self, name: &str) -> PathBuf {
        let path = self.dir.join(format!("{name}.key"));
        let out = path.to_str().unwrap();
        self.openssl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", out]);
        path
    }

    /// Signs `key`'s public key as `CN=<cn>` with `issuer` (cert, key), serial `serial_hex`,
    /// and the extensions in `ext` (openssl config lines).
    fn sign(
        &self,
        name: &str,
        cn: &str,
        key: &Path,
        issuer: (&Path, &Path),
        serial_hex: &str,
        ext: &str,
    ) -> PathBuf {
        let csr = self.dir.join(format!("{name}.csr"));
        let extfile = self.dir.join(format!("{name}.ext"));
        let cert = self.dir.join(format!("{name}.pem"));
        std::fs::write(&extfile, ext).unwrap();
        let p = |p: &Path| p.to_str().unwrap().to_owned();
        self.openssl(&["req", "-new", "-key", &p(key), "-subj", &format!("/CN={cn}"), "-out", &p(&csr)]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &p(&csr),
            "-CA",
            &p(issuer.0),
            "-CAkey",
            &p(issuer.1),
            "-set_serial",
            &format!("0x{serial_hex}"),
            "-days",
            "30",
            "-extfile",
            &p(&extfile),
            "-out",
            &p(&cert),
        ]);
        cert
    }

    /// `parts` concatenated into one PEM file, leaf first.
    fn bundle(&self, name: &str, parts: &[&Path]) -> PathBuf {
        let path = self.dir.join(format!("{name}.pem"));
        let text: String = parts.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
        std::fs::write(&path, text).unwrap();
        path
    }
}

const INTERMEDIATE_EXT: &str = "basicConstraints=critical,CA:TRUE\n\
    keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n\
    subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const CLIENT_EXT: &str = "basicConstraints=critical,CA:FALSE\n\
    keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n\
    subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";

#[tokio::test]
async fn wrong_eku_and_ca_certificates_are_refused_even_with_a_live_serial() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let id = s.app_with_cert("a", &[]);
    let pki = Pki::new(&s);
    let root = pki.root();

    // The live certificate's own key and serial, minted again with serverAuth only.
    let server_auth = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
        extendedKeyUsage=serverAuth\n";
    let cert = pki.sign("eku", "a", &id.key_path(), root, &id.serial, server_auth);
    assert_refused(
        &s,
        "EKU serverAuth",
        &files(&cert, &id.key_path()),
        ["UnsupportedCertificate", "UnsupportedCertificate"],
    )
    .await;

    // ...and as a CA certificate (with the clientAuth EKU): an end entity must not be a CA.
    let ca_ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,digitalSignature\n\
        extendedKeyUsage=clientAuth\n";
    let cert = pki.sign("ca", "a", &id.key_path(), root, &id.serial, ca_ext);
    assert_refused(
        &s,
        "CA:TRUE end entity",
        &files(&cert, &id.key_path()),
        ["CertificateUnknown", "CertificateUnknown"],
    )
    .await;

    // The alerts above are webpki's, sent before the digest gate runs (which would refuse these
    // certificates too, `a_live_serial_minted_again_with_the_ca_key_is_refused`): the EKU and
    // basic-constraints checks hold on their own. The control: the issued certificate.
    assert_answered(&s, "control", &files(&id.cert_path(), &id.key_path())).await;
}

#[tokio::test]
async fn chains_through_an_intermediate_are_refused() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let id = s.app_with_cert("a", &[]);
    let pki = Pki::new(&s);
    let root = pki.root();

    // Leaf → an intermediate signed by the platform root, which the platform never issued.
    let int_key = pki.key("rogue-int");
    let int = pki.sign("rogue-int", "intoss intermediate", &int_key, root, "1001", INTERMEDIATE_EXT);
    let leaf_key = pki.key("rogue-leaf");
    let leaf = pki.sign(
        "rogue-leaf",
        "a",
        &leaf_key,
        (&int, &int_key),
        "2b9f0c14d3e1a55a0e7c6d2f8a9b1c03",
        CLIENT_EXT,
    );
    let bundle = pki.bundle("rogue-chain", &[&leaf, &int]);
    assert_refused(
        &s,
        "leaf → unknown intermediate → our root",
        &files(&bundle, &leaf_key),
        ["AccessDenied", "AccessDenied"],
    )
    .await;

    // Leaf (with a live serial) → intermediate → a foreign root with the platform's name.
    // Named like the platform's root, the foreign root makes webpki try the platform's key on
    // the intermediate's signature (DecryptError); named otherwise, it finds no issuer at all
    // (UnknownCA).
    for (n, root_name, alert) in [(1, "intoss root CA", "DecryptError"), (2, "partner root CA", "UnknownCA")]
    {
        let (foreign, foreign_key) =
            intoss_pki::CertificateAuthority::generate(root_name, time::OffsetDateTime::now_utc()).unwrap();
        let froot = pki.dir.join(format!("foreign-root-{n}.pem"));
        let froot_key = pki.dir.join(format!("foreign-root-{n}.key"));
        std::fs::write(&froot, foreign.cert_pem()).unwrap();
        std::fs::write(&froot_key, foreign_key.expose()).unwrap();
        let int_name = format!("foreign-int-{n}");
        let fint_key = pki.key(&int_name);
        let fint = pki.sign(
            &int_name,
            "intoss intermediate",
            &fint_key,
            (&froot, &froot_key),
            "1002",
            INTERMEDIATE_EXT,
        );
        let leaf_name = format!("foreign-leaf-{n}");
        let fleaf_key = pki.key(&leaf_name);
        let fleaf = pki.sign(&leaf_name, "a", &fleaf_key, (&fint, &fint_key), &id.serial, CLIENT_EXT);
        let bundle = pki.bundle(&format!("foreign-chain-{n}"), &[&fleaf, &fint, &froot]);
        let case = format!("live serial → intermediate → foreign root {root_name:?}");
        assert_refused(&s, &case, &files(&bundle, &fleaf_key), [alert, alert]).await;
    }

    assert_answered(&s, "control", &Present::Chain(chain(&id), key(&id))).await;
}

/// Which alert the fixed gate sends is its choice.
const ANY_ALERT: [&str; 2] = ["", ""];

/// The gate binds a connection to the issued certificate itself (its SHA-256), not to its
/// serial: webpki keeps no basic constraints of a trust anchor (the root's `pathlen:0` is not
/// enforced) and does not read an end entity's key usage, so whoever holds the CA key (a restored
/// backup, say) could otherwise mint a certificate with a live serial and a new key, directly or
/// through an intermediate, or one without digitalSignature, and be admitted as that app.
#[tokio::test]
async fn a_live_serial_minted_again_with_the_ca_key_is_refused() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    let id = s.app_with_cert("a", &[]);
    let pki = Pki::new(&s);
    let root = pki.root();

    let new_key = pki.key("new");
    let cert = pki.sign("direct", "a", &new_key, root, &id.serial, CLIENT_EXT);
    assert_refused(&s, "live serial, new key", &files(&cert, &new_key), ANY_ALERT).await;

    let int_key = pki.key("int");
    let int = pki.sign("int", "intoss intermediate", &int_key, root, "1001", INTERMEDIATE_EXT);
    let leaf = pki.sign("leaf", "a", &new_key, (&int, &int_key), &id.serial, CLIENT_EXT);
    let bundle = pki.bundle("chain", &[&leaf, &int]);
    assert_refused(&s, "live serial through an intermediate", &files(&bundle, &new_key), ANY_ALERT).await;

    let ku = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyEncipherment\n\
        extendedKeyUsage=clientAuth\n";
    let cert = pki.sign("ku", "a", &id.key_path(), root, &id.serial, ku);
    assert_refused(&s, "key usage without digitalSignature", &files(&cert, &id.key_path()), ANY_ALERT).await;
}

/// Connects with `config`, asks whoami and reads the answer (a 200); whether the handshake resumed
/// a session.
async fn whoami_resumed(addr: SocketAddr, config: &Arc<ClientConfig>) -> bool {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::IpAddress(addr.ip().into());
    let mut tls = tokio_rustls::TlsConnector::from(config.clone()).connect(name, tcp).await.unwrap();
    tls.write_all(b"GET /api-partner/v1/whoami HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    tls.read_to_end(&mut got).await.unwrap();
    assert!(got.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&got));
    tls.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
}

/// Resumption on both versions: a client's next connections resume (TLS 1.3 tickets are
/// single-use, so each resumed connection must leave a new one), until a reload (here, another
/// certificate revoked) replaces the session cache; `tls.session_cache = 0` turns it off.
#[tokio::test]
async fn sessions_resume_until_a_reload_and_not_with_no_cache() {
    let s = Server::start();
    let id = s.app_with_cert("resume", &[]);
    let other = s.issue("resume");
    let present = Present::Chain(chain(&id), key(&id));
    let configs: Vec<_> = VERSIONS.iter().map(|(n, v)| (*n, client_config(&s, v, &present))).collect();
    for (name, config) in &configs {
        assert!(!whoami_resumed(s.endpoints.gateway, config).await, "{name}: the first handshake is full");
        for i in 0..3 {
            assert!(whoami_resumed(s.endpoints.gateway, config).await, "{name}: connection {i} resumes");
        }
    }
    s.cli_ok(&["cert", "revoke", &other.serial]);
    for (name, config) in &configs {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while whoami_resumed(s.endpoints.gateway, config).await {
            assert!(std::time::Instant::now() < deadline, "{name}: sessions still resume after the reload");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            whoami_resumed(s.endpoints.gateway, config).await,
            "{name}: resumes again after a full handshake"
        );
    }

    let s = Server::start_with("[tls]\nsession_cache = 0\n");
    let id = s.app_with_cert("resume", &[]);
    let present = Present::Chain(chain(&id), key(&id));
    for (name, version) in VERSIONS {
        let config = client_config(&s, version, &present);
        for i in 0..2 {
            assert!(
                !whoami_resumed(s.endpoints.gateway, &config).await,
                "{name}: connection {i} is a full handshake"
            );
        }
    }
}
