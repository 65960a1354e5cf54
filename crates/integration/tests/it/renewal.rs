//! Certificates that renew themselves (issue 19): `POST /api-partner/v1/certificates/renew`
//! through real mTLS, by CSR (`intoss cert renew`) and by a platform key; every refusal; the
//! daemon crossing 2/3 of the lifetime under libfaketime; the SDK's automatic renewal.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hyper::Method;
use intoss_client::renew::RenewSchedule;
use intoss_client::{HttpsClient, PartnerClient, Response};
use intoss_proto::api::admin::PatchRenewalPolicy;
use serde_json::Value;

use crate::common::*;

const RENEW: &str = "/api-partner/v1/certificates/renew";

async fn renew(s: &Server, client: &HttpsClient, body: &str) -> Response {
    let body = (!body.is_empty()).then(|| body.as_bytes().to_vec());
    client
        .send(Method::POST, &s.gateway_url(RENEW), &[("content-type", "application/json")], body)
        .await
        .unwrap()
}

async fn whoami_serial(s: &Server, client: &HttpsClient) -> String {
    let r = get(client, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    json(&r)["success"]["certSerial"].as_str().unwrap().to_owned()
}

/// A copy of `id`'s files in a new directory (what a partner's deployment holds).
fn copy_identity(s: &Server, id: &Identity) -> Identity {
    let dir = tempfile::tempdir_in(s.dir.path()).unwrap().keep();
    let copy =
        Identity::write(&dir, &String::from_utf8(id.cert()).unwrap(), &String::from_utf8(id.key()).unwrap());
    Identity { serial: id.serial.clone(), ..copy }
}

fn cli_renew(s: &Server, id: &Identity, extra: &[&str]) -> std::process::Output {
    let ca = s.data_dir().join("ca.pem");
    let url = format!("https://{}", s.endpoints.gateway);
    let mut args = vec![
        "cert".to_owned(),
        "renew".to_owned(),
        "--url".to_owned(),
        url,
        "--cert".to_owned(),
        id.cert_path().display().to_string(),
        "--key".to_owned(),
        id.key_path().display().to_string(),
        "--cacert".to_owned(),
        ca.display().to_string(),
    ];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    Command::new(bin()).args(&args).output().unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn certificates_renew_by_csr_and_by_platform_key_and_every_refusal_is_clear() {
    let s = Server::start();
    let id = s.app_with_cert("renew", &[]);
    s.cli_ok(&["app", "create", "other"]);
    let admin = s.admin();
    let old_client = s.client(Some(&id));
    assert_eq!(whoami_serial(&s, &old_client).await, id.serial);

    // The default policy: renewable in the last 135 days; a fresh certificate has 390.
    let files = copy_identity(&s, &id);
    let out = cli_renew(&s, &files, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("RENEWAL_TOO_EARLY"), "{stderr}");
    assert!(stderr.contains("390 days left") && stderr.contains("135"), "{stderr}");
    assert_eq!(files.cert(), id.cert(), "a refusal leaves the files alone");
    let out = cli_renew(&s, &files, &["--if-due"]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("not due"));
    let out = s.cli_ok(&["app", "renewal", "renew", "--window-days", "390", "--json"]);
    let policy: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(policy["window_days"], 390);
    assert_eq!(policy["server_keys"], false, "a CSR is required by default");

    // By CSR, with the CLI: the files are replaced (0600), the key never left this machine.
    let old_key = files.key();
    let out = cli_renew(&s, &files, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("from {}", id.serial)), "{stdout}");
    assert_ne!(files.key(), old_key, "a new key");
    assert_eq!((mode(&files.cert_path()), mode(&files.key_path())), (0o600, 0o600));
    let renewed = s.client(Some(&files));
    let new_serial = whoami_serial(&s, &renewed).await;
    assert_ne!(new_serial, id.serial);
    assert_eq!(whoami_serial(&s, &old_client).await, id.serial, "the old certificate keeps working");
    let cert = admin.cert(&new_serial).await.unwrap();
    assert_eq!(
        (cert.app.as_str(), cert.key_source.as_str(), cert.renewed_from.as_deref()),
        ("renew", "csr", Some(id.serial.as_str()))
    );
    assert!(!files.dir.join("client-key.pem.renew-tmp").exists(), "no file left aside");
    let events = admin.events("renew", None).await.unwrap().events;
    let issued = events.iter().find(|e| e.data["serial"] == new_serial.as_str()).expect("an event");
    assert_eq!(
        (issued.event_type.as_str(), &issued.data["renewedFrom"]),
        ("CERTIFICATE_ISSUED", &Value::from(id.serial.as_str()))
    );

    // A CSR naming another app still renews for the caller's app: the subject is the platform's.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(rcgen::DnType::CommonName, "other");
    let csr = params.serialize_request(&key).unwrap().pem().unwrap();
    let r = renew(&s, &old_client, &serde_json::json!({ "csr": csr }).to_string()).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(json(&r)["success"]["certificate"]["app"], "renew");
    assert!(json(&r)["success"]["key_pem"].is_null(), "no key for a CSR");

    // A platform key: refused until the policy allows it, then answered once over mTLS.
    let r = renew(&s, &old_client, "").await;
    let reason = assert_fail(&r, 403, "RENEWAL_NOT_ALLOWED");
    assert!(reason.contains("csr"), "{reason}");
    let patch = PatchRenewalPolicy { server_keys: Some(true), ..Default::default() };
    admin.update_renewal_policy("renew", &patch).await.unwrap();
    let r = renew(&s, &old_client, "{}").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let issued = &json(&r)["success"];
    assert_eq!(issued["certificate"]["key_source"], "rsa2048");
    let dir = tempfile::tempdir_in(s.dir.path()).unwrap().keep();
    let platform =
        Identity::write(&dir, issued["cert_pem"].as_str().unwrap(), issued["key_pem"].as_str().unwrap());
    assert_eq!(whoami_serial(&s, &s.client(Some(&platform))).await, issued["certificate"]["serial"]);

    // Bad bodies.
    assert_fail(&renew(&s, &old_client, "[1]").await, 400, "INVALID_PARAMETER");
    assert_fail(&renew(&s, &old_client, "{\"csr\":\"nope\"}").await, 400, "INVALID_PARAMETER");
    assert_fail(&renew(&s, &old_client, "{\"bogus\":1}").await, 400, "INVALID_PARAMETER");
    let r = old_client.send(Method::GET, &s.gateway_url(RENEW), &[], None).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");

    // The most active certificates: four now (the first, the CLI's, the CSR's, the platform's).
    let active = admin.list_certs(Some("renew")).await.unwrap().certs.len();
    assert_eq!(active, 4);
    let patch = PatchRenewalPolicy { max_active: Some(4), ..Default::default() };
    admin.update_renewal_policy("renew", &patch).await.unwrap();
    let reason = assert_fail(&renew(&s, &old_client, "").await, 409, "TOO_MANY_CERTIFICATES");
    assert!(reason.contains("4 active"), "{reason}");

    // Not allowed at all: the CLI exits non-zero with the platform's reason.
    let patch = PatchRenewalPolicy { allowed: Some(false), max_active: Some(10), ..Default::default() };
    admin.update_renewal_policy("renew", &patch).await.unwrap();
    let before = files.cert();
    let out = cli_renew(&s, &files, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("RENEWAL_NOT_ALLOWED"), "{stderr}");
    assert_eq!(files.cert(), before, "a refusal leaves the files alone");
    let bad = PatchRenewalPolicy { window_days: Some(391), ..Default::default() };
    assert!(admin.update_renewal_policy("renew", &bad).await.is_err());
    let bad = PatchRenewalPolicy { max_active: Some(0), ..Default::default() };
    assert!(admin.update_renewal_policy("renew", &bad).await.is_err());
    let patch = PatchRenewalPolicy { allowed: Some(true), ..Default::default() };
    admin.update_renewal_policy("renew", &patch).await.unwrap();

    // Revoked: refused on the open connection, and in any new handshake.
    admin.revoke_cert(&id.serial, Some("rotated")).await.unwrap();
    assert_fail(&renew(&s, &old_client, "").await, 401, "CERTIFICATE_REVOKED");
    s.assert_refused_in_handshake(&id).await;

    // Foreign: a certificate of another CA with the app's name never gets to ask.
    let (foreign_ca, _) =
        intoss_pki::CertificateAuthority::generate("intoss root CA", time::OffsetDateTime::now_utc())
            .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let f = foreign_ca.issue_client_for_tests("renew", now, now + time::Duration::days(30), true).unwrap();
    let dir = tempfile::tempdir_in(s.dir.path()).unwrap().keep();
    let foreign = Identity::write(&dir, &f.cert_pem, f.key_pem.as_ref().unwrap().expose());
    let out = cli_renew(&s, &foreign, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Refused in the handshake: on TLS 1.3 the client may see it as the connection breaking.
    let refused = stderr.contains("TLS") || stderr.contains("transport error");
    assert!(!out.status.success() && refused, "{stderr}");
    assert_eq!(admin.list_certs(Some("renew")).await.unwrap().certs.len(), 4, "no certificate was issued");
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

/// The daemon under libfaketime, with the server on the same fake clock: nothing happens at day
/// 259; past day 260 (2/3 of 390) it renews once, replaces the files, runs --exec; the
/// connection opened with the old certificate keeps working and a new one presents the new
/// certificate. Past day 391 the expired certificate cannot renew.
#[tokio::test]
async fn the_renew_daemon_renews_past_two_thirds_of_the_lifetime() {
    let Some((s, clock)) = crate::faults::server_with_fake_clock("", false) else {
        return;
    };
    let lib = crate::faults::libfaketime().unwrap();
    let id = s.app_with_cert("daemon", &[]);
    let files = copy_identity(&s, &id);
    let old_client = s.client(Some(&id));
    assert_eq!(whoami_serial(&s, &old_client).await, id.serial);

    let ran = files.dir.join("ran");
    let exec = format!("echo \"$INTOSS_CERT_SERIAL $INTOSS_RENEWED_FROM\" >> {}", ran.display());
    let ca = s.data_dir().join("ca.pem");
    let mut daemon = Command::new(bin())
        .args(["cert", "renew", "--daemon", "--jitter", "0", "--check-every", "1s", "--url"])
        .arg(format!("https://{}", s.endpoints.gateway))
        .arg("--cert")
        .arg(files.cert_path())
        .arg("--key")
        .arg(files.key_path())
        .arg("--cacert")
        .arg(&ca)
        .arg("--exec")
        .arg(&exec)
        .env("LD_PRELOAD", &lib)
        .env("FAKETIME_TIMESTAMP_FILE", &clock.file)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    clock.set("+259d");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(!ran.exists(), "day 259 is before 2/3 of the lifetime");
    assert_eq!(files.cert(), id.cert());

    clock.set("+261d");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ran.exists() {
        if let Some(status) = daemon.try_wait().unwrap() {
            let out = daemon.wait_with_output().unwrap();
            panic!("the daemon exited with {status}: {}", String::from_utf8_lossy(&out.stderr));
        }
        assert!(Instant::now() < deadline, "no renewal after day 260");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(2500));
    let lines = std::fs::read_to_string(&ran).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert_eq!(lines.len(), 1, "renewed once, then due again only at day 521: {lines:?}");
    let (new_serial, from) = lines[0].split_once(' ').unwrap();
    assert_eq!(from, id.serial);
    assert_ne!(files.cert(), id.cert(), "the files were replaced");
    assert_eq!((mode(&files.cert_path()), mode(&files.key_path())), (0o600, 0o600));

    assert_eq!(whoami_serial(&s, &old_client).await, id.serial, "the open connection keeps working");
    assert_eq!(
        whoami_serial(&s, &s.client(Some(&files))).await,
        new_serial,
        "a new connection presents the new one"
    );
    assert!(daemon.try_wait().unwrap().is_none(), "the daemon keeps running");
    daemon.kill().unwrap();
    let out = daemon.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("renewed: certificate {new_serial}")), "{stdout}");

    // Day 391: the first certificate has expired; on its open connection the renewal is refused.
    clock.set("+391d");
    assert_fail(&renew(&s, &old_client, "").await, 401, "CERTIFICATE_EXPIRED");
    clock.set("+0");
}

/// `PartnerClientBuilder::auto_renew`: a schedule due 5 s into the lifetime, so the client
/// renews by itself within the test; it reports the renewal and its next requests present the
/// new certificate.
#[tokio::test]
async fn the_sdk_renews_its_certificate_by_itself_and_reports_it() {
    let s = Server::start();
    let id = s.app_with_cert("auto", &[]);
    s.cli_ok(&["app", "renewal", "auto", "--window-days", "390"]);
    let files = copy_identity(&s, &id);
    let lifetime = 390.0 * 86_400.0;
    let client = PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .private_ca(s.ca_pem())
        .identity_files(files.cert_path(), files.key_path())
        .auto_renew(RenewSchedule { at: 5.0 / lifetime, jitter: 0.0 }, Duration::from_millis(500))
        .build()
        .unwrap();
    let mut reports = client.renewal().expect("auto_renew reports");
    let me: Value = client.get("/api-partner/v1/whoami").await.unwrap();
    assert_eq!(me["certSerial"], id.serial.as_str());

    tokio::time::timeout(Duration::from_secs(30), reports.wait_for(|s| s.renewals >= 1))
        .await
        .unwrap()
        .unwrap();
    let status = reports.borrow().clone();
    assert!(status.last_error.is_none(), "{status:?}");
    let renewed = status.serial.clone().unwrap();
    assert_ne!(renewed, id.serial);
    let me: Value = client.get("/api-partner/v1/whoami").await.unwrap();
    let now_serial = me["certSerial"].as_str().unwrap().to_owned();
    let list = s.admin().list_certs(Some("auto")).await.unwrap().certs;
    assert!(
        list.iter().any(|c| c.serial == now_serial && c.renewed_from.is_some()),
        "the client now presents a renewed certificate ({now_serial})"
    );
    assert_eq!(mode(&files.key_path()), 0o600);

    // Without identity files there is nothing to renew.
    let err = PartnerClient::builder().auto_renew(RenewSchedule::default(), Duration::from_secs(60)).build();
    assert!(err.is_err());
}

/// An RSA certificate (the seed's clients need RSA) of `app` into a new directory.
fn issue_rsa(s: &Server, app: &str) -> Identity {
    let out = tempfile::tempdir_in(s.dir.path()).unwrap().keep();
    let json = s.cli_ok(&["cert", "issue", "--app", app, "--out", out.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    Identity { dir: out, serial: v["serial"].as_str().unwrap().to_owned() }
}

/// A client trusting only the CA file `ca`, presenting `id`.
fn client_trusting(ca: &Path, id: &Identity) -> HttpsClient {
    let ca = std::fs::read(ca).unwrap();
    HttpsClient::new(intoss_client::tls::client_config(&ca, Some((&id.cert(), &id.key()))).unwrap())
}

/// The seed's example clients (curl, Python requests, Node https, Java) trusting only `ca`.
fn seed_clients_pass(s: &Server, ca: &Path, id: &Identity) {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let url = s.gateway_url("/api-partner/v1/whoami");
    let (cert, key) = (id.cert_path(), id.key_path());
    let mut runs: Vec<(&str, Vec<std::ffi::OsString>)> = Vec::new();
    if require("curl") {
        let args = ["-sS", "--fail-with-body", "--cacert"].map(Into::into);
        let mut a: Vec<std::ffi::OsString> = args.into();
        a.extend([
            ca.into(),
            "--cert".into(),
            cert.clone().into(),
            "--key".into(),
            key.clone().into(),
            (&url).into(),
        ]);
        runs.push(("curl", a));
    }
    for (program, script) in [("python3", "client.py"), ("node", "client.js"), ("java", "Client.java")] {
        if require(program) {
            let a = vec![
                interop.join(script).into(),
                (&url).into(),
                ca.into(),
                cert.clone().into(),
                key.clone().into(),
            ];
            runs.push((program, a));
        }
    }
    for (program, args) in runs {
        let out = Command::new(program).args(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{program} trusting {}: {stdout}{}",
            ca.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_str(stdout.trim()).unwrap();
        assert_eq!(v["success"]["certSerial"], id.serial.as_str(), "{program}");
    }
}

/// Root CA rotation: during the overlap a client trusting only the old root and one trusting
/// only the new root both work (the listeners serve the new root cross-signed by the old), old
/// leaves are still admitted, new ones come from the new root, and the seed's clients pass with
/// either root. Finishing is refused while old leaves are active; afterwards only the new root is
/// served and trusted.
#[tokio::test]
async fn the_root_ca_rotates_with_both_roots_working_during_the_overlap() {
    let mut s = Server::start();
    s.cli_ok(&["app", "create", "rot"]);
    let old_id = issue_rsa(&s, "rot");
    let old_root = s.dir.path().join("old-root.pem");
    std::fs::write(&old_root, s.ca_pem()).unwrap();

    let out = s.cli(&["ca", "rotate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("running"), "refused while serving: {stderr}");
    s.terminate();
    let out = s.cli_ok(&["ca", "rotate"]);
    assert!(out.contains("new root"), "{out}");
    let out = s.cli(&["ca", "rotate"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("in progress"));
    assert_eq!(mode(&s.data_dir().join("ca-retired-key.pem")), 0o600);
    assert_eq!(mode(&s.data_dir().join("ca-key.pem")), 0o600);
    s.spawn();

    let bundle = intoss_pki::cert_pems_to_ders(std::str::from_utf8(&s.ca_pem()).unwrap()).unwrap();
    let old_der = intoss_pki::cert_pem_to_der(&std::fs::read_to_string(&old_root).unwrap()).unwrap();
    assert_eq!(bundle.len(), 2, "ca.pem is the bundle of both roots");
    assert_eq!(bundle[1], old_der, "the old root second");
    let new_root = s.dir.path().join("new-root.pem");
    std::fs::write(&new_root, intoss_pki::der_to_pem("CERTIFICATE", &bundle[0])).unwrap();
    let new_id = issue_rsa(&s, "rot");
    let new_leaf = intoss_pki::cert_pem_to_der(&String::from_utf8(new_id.cert()).unwrap()).unwrap();
    assert!(intoss_pki::verify_issued_by(&new_leaf, &bundle[0]), "new leaves come from the new root");
    assert!(!intoss_pki::verify_issued_by(&new_leaf, &old_der));

    for (ca, id) in [(&old_root, &old_id), (&old_root, &new_id), (&new_root, &old_id), (&new_root, &new_id)] {
        let got = whoami_serial(&s, &client_trusting(ca, id)).await;
        assert_eq!(got, id.serial, "trusting {} with {}", ca.display(), id.serial);
    }
    seed_clients_pass(&s, &old_root, &old_id);
    seed_clients_pass(&s, &new_root, &new_id);

    // Finishing would cut the old leaf off: refused, naming it.
    let out = s.cli(&["ca", "finish"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains(&old_id.serial), "{stderr}");
    s.cli_ok(&["cert", "revoke", &old_id.serial, "--reason", "rotated"]);
    s.cli_ok(&["ca", "finish"]);
    s.terminate();
    s.spawn();
    assert_eq!(
        intoss_pki::cert_pems_to_ders(std::str::from_utf8(&s.ca_pem()).unwrap()).unwrap(),
        vec![bundle[0].clone()]
    );
    assert!(!s.data_dir().join("ca-retired-key.pem").exists() && !s.data_dir().join("ca-cross.pem").exists());
    assert_eq!(whoami_serial(&s, &client_trusting(&new_root, &new_id)).await, new_id.serial);
    let r = get(&client_trusting(&old_root, &new_id), &s.gateway_url("/api-partner/v1/whoami")).await;
    assert!(format!("{r:?}").contains("UnknownIssuer"), "the old root no longer verifies: {r:?}");
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}
