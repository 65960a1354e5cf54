//! `intoss doctor`: the checklist for a good set-up and for each broken one, as snapshots.
//!
//! The variable parts of the output (temp dir, serial, not_after, gateway address) are replaced
//! by `<DIR>`, `<SERIAL>`, `<NOT_AFTER>` and `<GATEWAY>` before comparing.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use time::{Duration, OffsetDateTime};

use crate::common::*;

const WHOAMI: &str = "/api-partner/v1/whoami";

/// The exit status and the normalised stdout of one `intoss doctor` run.
#[derive(Debug)]
struct Run {
    code: i32,
    out: String,
}

/// Runs `intoss doctor` with `args`, normalising what `replace` lists.
fn doctor(args: &[OsString], replace: &[(String, &str)]) -> Run {
    let out = Command::new(bin()).arg("doctor").args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "doctor wrote to stderr: {stderr}");
    let mut text = String::from_utf8(out.stdout).unwrap();
    for (from, to) in replace {
        text = text.replace(from.as_str(), to);
    }
    Run { code: out.status.code().unwrap(), out: text }
}

/// `--cert --key` of `id`, the platform CA and the whoami URL.
fn full_args(s: &Server, cert: &Path, key: &Path) -> Vec<OsString> {
    vec![
        "--cert".into(),
        cert.into(),
        "--key".into(),
        key.into(),
        "--cacert".into(),
        s.data_dir().join("ca.pem").into(),
        "--url".into(),
        s.gateway_url(WHOAMI).into(),
    ]
}

/// The replacements for the certificate at `cert` on server `s`.
fn variable_parts(s: &Server, cert: &Path) -> Vec<(String, &'static str)> {
    let info = intoss_pki::parse_cert_pem(&std::fs::read_to_string(cert).unwrap()).unwrap();
    let not_after = info.not_after.format(&time::format_description::well_known::Rfc3339).unwrap();
    vec![
        (s.dir.path().display().to_string(), "<DIR>"),
        (info.serial, "<SERIAL>"),
        (not_after, "<NOT_AFTER>"),
        (s.endpoints.gateway.to_string(), "<GATEWAY>"),
    ]
}

/// Writes a certificate minted by `ca` outside the platform, in `s`'s temp dir.
fn write_issued(s: &Server, name: &str, issued: intoss_pki::IssuedCert) -> Identity {
    Identity::write(&s.dir.path().join(name), &issued.cert_pem, issued.key_pem.unwrap().expose())
}

#[test]
fn doctor_passes_a_good_setup() {
    let s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    let run = doctor(&full_args(&s, &id.cert_path(), &id.key_path()), &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
OK    chain          issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA), valid now, for client authentication
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
OK    tls handshake  TLS 1.3, TLS_AES_128_GCM_SHA256, client certificate accepted
OK    api envelope   GET /api-partner/v1/whoami: HTTP 200, resultType SUCCESS
8 checks: 8 OK, 0 WARN, 0 FAIL, 0 SKIP
"
    );
    assert_eq!(run.code, 0);
}

#[test]
fn doctor_json_lists_check_status_detail_fix() {
    let mut s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    let mut args = full_args(&s, &id.cert_path(), &id.key_path());
    args.push("--json".into());
    let run = doctor(&args, &[]);
    assert_eq!(run.code, 0);
    let rows: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    let rows = rows.as_array().unwrap();
    let checks: Vec<&str> = rows.iter().map(|r| r["check"].as_str().unwrap()).collect();
    assert_eq!(
        checks,
        [
            "certificate",
            "private key",
            "key match",
            "chain",
            "expiry",
            "reachability",
            "tls handshake",
            "api envelope"
        ]
    );
    for r in rows {
        assert_eq!(r["status"], "OK", "{r}");
        assert!(r["fix"].is_null(), "{r}");
        assert!(!r["detail"].as_str().unwrap().is_empty(), "{r}");
    }
    // Fields in the documented order.
    let first = run.out.find("\"check\"").unwrap();
    let status = run.out.find("\"status\"").unwrap();
    let detail = run.out.find("\"detail\"").unwrap();
    let fix = run.out.find("\"fix\"").unwrap();
    assert!(first < status && status < detail && detail < fix, "{}", run.out);

    // A broken set-up: the fix is there, the exit status too.
    s.kill9();
    let run = doctor(&args, &[]);
    assert_eq!(run.code, 1);
    let rows: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    let reach = &rows.as_array().unwrap()[5];
    assert_eq!(reach["status"], "FAIL");
    assert!(reach["detail"].as_str().unwrap().starts_with("server down or unreachable"), "{reach}");
    assert!(reach["fix"].is_string(), "{reach}");
}

#[test]
fn doctor_accepts_the_default_rsa_pkcs8_key_and_warns_on_pkcs1() {
    if !require("openssl") {
        return;
    }
    let s = Server::start();
    s.cli_ok(&["app", "create", "my-app"]);
    let dir = s.dir.path().join("rsa");
    s.cli_ok(&["cert", "issue", "--app", "my-app", "--out", dir.to_str().unwrap()]);
    let id = Identity { dir, serial: String::new() };
    let replace = variable_parts(&s, &id.cert_path());

    let run = doctor(&full_args(&s, &id.cert_path(), &id.key_path()), &replace);
    assert!(run.out.contains("\nOK    private key    PKCS#8 (BEGIN PRIVATE KEY), RSA\n"), "{}", run.out);
    assert!(run.out.ends_with("8 checks: 8 OK, 0 WARN, 0 FAIL, 0 SKIP\n"), "{}", run.out);
    assert_eq!(run.code, 0);

    // The same key, PKCS#1: still the certificate's key and usable, but not for the Kotlin sample.
    let pkcs1 = s.dir.path().join("key1.pem");
    let ok = Command::new("openssl")
        .args(["pkey", "-traditional", "-in"])
        .arg(id.key_path())
        .arg("-out")
        .arg(&pkcs1)
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(std::fs::read_to_string(&pkcs1).unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let run = doctor(&full_args(&s, &id.cert_path(), &pkcs1), &replace);
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
WARN  private key    PKCS#1 (BEGIN RSA PRIVATE KEY), RSA: the seed's Kotlin sample reads PKCS#8 (BEGIN PRIVATE KEY) only
                     fix: convert it, same key: openssl pkey -in <DIR>/key1.pem -out client-key-pkcs8.pem
OK    key match      the key belongs to the certificate
OK    chain          issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA), valid now, for client authentication
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
OK    tls handshake  TLS 1.3, TLS_AES_128_GCM_SHA256, client certificate accepted
OK    api envelope   GET /api-partner/v1/whoami: HTTP 200, resultType SUCCESS
8 checks: 7 OK, 1 WARN, 0 FAIL, 0 SKIP
"
    );
    assert_eq!(run.code, 3, "WARN only");
}

#[test]
fn doctor_fails_a_key_that_belongs_to_another_certificate() {
    let s = Server::start();
    let a = s.app_with_cert("my-app", &[]);
    let b = s.issue("my-app");
    let run = doctor(&full_args(&s, &a.cert_path(), &b.key_path()), &variable_parts(&s, &a.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
FAIL  key match      the key does not belong to the certificate
                     fix: use the key written together with this certificate (client-key.pem next to client-cert.pem); a lost key cannot be recovered: issue a new certificate
OK    chain          issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA), valid now, for client authentication
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
SKIP  tls handshake  needs a readable certificate and the key that belongs to it (see above)
                     fix: fix the certificate and key first
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 5 OK, 0 WARN, 1 FAIL, 2 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_fails_an_expired_certificate() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "my-app"]);
    let now = OffsetDateTime::now_utc();
    let issued = s
        .ca()
        .issue_client_for_tests("my-app", now - Duration::days(391), now - Duration::days(1), true)
        .unwrap();
    let id = write_issued(&s, "expired", issued);
    let run = doctor(&full_args(&s, &id.cert_path(), &id.key_path()), &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
FAIL  chain          expired on <NOT_AFTER>
                     fix: issue a new certificate and rotate: several can be valid at once (intoss cert issue --app my-app, or the console)
FAIL  expiry         expired 1 day ago (<NOT_AFTER>): the handshake is refused
                     fix: issue a new certificate and rotate: several can be valid at once (intoss cert issue --app my-app, or the console)
OK    reachability   <GATEWAY> accepts TCP connections
FAIL  tls handshake  the server refused the client certificate: it has expired (ERR_NETWORK)
                     fix: issue a new certificate (intoss cert issue --app my-app, or the console) and switch to it; several can be valid at once
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 4 OK, 0 WARN, 3 FAIL, 1 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_fails_a_certificate_from_a_foreign_ca() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "my-app"]);
    let now = OffsetDateTime::now_utc();
    let (foreign, _) = intoss_pki::CertificateAuthority::generate("some other CA", now).unwrap();
    let issued = foreign
        .issue_client("my-app", &intoss_pki::ClientKey::Generate(intoss_pki::KeyType::EcdsaP256), now)
        .unwrap();
    let id = write_issued(&s, "foreign", issued);
    let run = doctor(&full_args(&s, &id.cert_path(), &id.key_path()), &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=some other CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
FAIL  chain          unknown issuer: not issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA); the certificate names issuer CN=some other CA
                     fix: use a certificate issued by this platform for your app (intoss cert issue, or the console); if the certificate is right, pass the platform's CA as --cacert
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
FAIL  tls handshake  the server refused the client certificate (UnknownCA, ERR_NETWORK)
                     fix: use a certificate issued by this platform for the app, with its own key, still registered (intoss cert list --app my-app)
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 5 OK, 0 WARN, 2 FAIL, 1 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_fails_when_the_server_is_down() {
    let mut s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    let args = full_args(&s, &id.cert_path(), &id.key_path());
    let replace = variable_parts(&s, &id.cert_path());
    s.kill9();
    let run = doctor(&args, &replace);
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
OK    chain          issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA), valid now, for client authentication
OK    expiry         390 days left (until <NOT_AFTER>)
FAIL  reachability   server down or unreachable: <GATEWAY>: Connection refused (os error 111)
                     fix: check that the server runs and listens on <GATEWAY>, and that no firewall blocks outbound TCP to it
SKIP  tls handshake  the server cannot be reached
                     fix: fix reachability first
SKIP  api envelope   the server cannot be reached
                     fix: fix reachability first
8 checks: 5 OK, 0 WARN, 1 FAIL, 2 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_fails_a_revoked_certificate() {
    let s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    s.cli_ok(&["cert", "revoke", &id.serial]);
    let run = doctor(&full_args(&s, &id.cert_path(), &id.key_path()), &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
OK    chain          issued by the CA in <DIR>/data/ca.pem (CN=intoss root CA), valid now, for client authentication
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
FAIL  tls handshake  the server refused the client certificate: it is revoked (ERR_NETWORK)
                     fix: issue a new certificate (intoss cert issue --app my-app, or the console) and switch to it; a revoked certificate stays revoked
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 6 OK, 0 WARN, 1 FAIL, 1 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_names_the_expiry_threshold_reached() {
    let s = Server::start();
    let ca = s.ca();
    let now = OffsetDateTime::now_utc();
    let cacert = s.data_dir().join("ca.pem");
    for (name, left, status, detail, code) in [
        (
            "d20",
            Duration::days(20),
            "WARN",
            "20 days left (until <NOT_AFTER>): within the 30-day threshold",
            3,
        ),
        ("d5", Duration::days(5), "WARN", "5 days left (until <NOT_AFTER>): within the 7-day threshold", 3),
        ("h12", Duration::hours(12), "FAIL", "1 day left (until <NOT_AFTER>): within the 1-day threshold", 1),
    ] {
        let issued = ca.issue_client_for_tests("my-app", now - Duration::days(1), now + left, true).unwrap();
        let id = write_issued(&s, name, issued);
        let args: Vec<OsString> = vec![
            "--cert".into(),
            id.cert_path().into(),
            "--key".into(),
            id.key_path().into(),
            "--cacert".into(),
            cacert.clone().into(),
        ];
        let run = doctor(&args, &variable_parts(&s, &id.cert_path()));
        let line = run.out.lines().find(|l| l.contains("expiry")).unwrap();
        assert_eq!(line, format!("{status:<4}  expiry         {detail}"), "{}", run.out);
        assert!(
            run.out.contains("fix: issue a new certificate and rotate: several can be valid at once"),
            "{}",
            run.out
        );
        assert_eq!(run.code, code, "{}", run.out);
    }
}

#[test]
fn doctor_fails_a_certificate_without_client_auth() {
    let s = Server::start();
    let now = OffsetDateTime::now_utc();
    let issued = s.ca().issue_client_for_tests("my-app", now, now + Duration::days(100), false).unwrap();
    let id = write_issued(&s, "eku", issued);
    let replace = variable_parts(&s, &id.cert_path());
    let mut args = full_args(&s, &id.cert_path(), &id.key_path());
    let run = doctor(&args, &replace);
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
FAIL  chain          not for client authentication: the clientAuth extended key usage is missing
                     fix: issue a client certificate from the platform (intoss cert issue, or the console); a server certificate cannot authenticate a client
OK    expiry         100 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
FAIL  tls handshake  the server refused the client certificate (UnsupportedCertificate, ERR_NETWORK)
                     fix: use a certificate issued by this platform for the app, with its own key, still registered (intoss cert list --app my-app)
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 5 OK, 0 WARN, 2 FAIL, 1 SKIP
"
    );
    assert_eq!(run.code, 1);
    // Without --cacert the certificate's own extension still tells.
    args.truncate(4);
    let run = doctor(&args, &replace);
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
FAIL  chain          not for client authentication: the clientAuth extended key usage is missing
                     fix: issue a client certificate from the platform (intoss cert issue, or the console); a server certificate cannot authenticate a client
OK    expiry         100 days left (until <NOT_AFTER>)
SKIP  reachability   no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
SKIP  tls handshake  no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
SKIP  api envelope   no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
8 checks: 4 OK, 0 WARN, 1 FAIL, 3 SKIP
"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn doctor_skips_what_it_cannot_check_without_cacert_and_url() {
    let s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    let args: Vec<OsString> =
        vec!["--cert".into(), id.cert_path().into(), "--key".into(), id.key_path().into()];
    let run = doctor(&args, &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
SKIP  chain          no --cacert: the platform's CA is not in the system roots
                     fix: pass --cacert ca.pem (the platform's CA certificate: DIR/ca.pem, or from the console)
OK    expiry         390 days left (until <NOT_AFTER>)
SKIP  reachability   no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
SKIP  tls handshake  no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
SKIP  api envelope   no --url given
                     fix: pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request
8 checks: 4 OK, 0 WARN, 0 FAIL, 4 SKIP
"
    );
    assert_eq!(run.code, 0, "SKIP is not a failure");
    // --url without --cacert: reachability only.
    let mut args = args;
    args.extend(["--url".into(), s.gateway_url(WHOAMI).into()]);
    let run = doctor(&args, &variable_parts(&s, &id.cert_path()));
    assert_eq!(
        run.out,
        "\
OK    certificate    CN=my-app, issuer CN=intoss root CA, serial <SERIAL>, not after <NOT_AFTER>
OK    private key    PKCS#8 (BEGIN PRIVATE KEY), ECDSA
OK    key match      the key belongs to the certificate
SKIP  chain          no --cacert: the platform's CA is not in the system roots
                     fix: pass --cacert ca.pem (the platform's CA certificate: DIR/ca.pem, or from the console)
OK    expiry         390 days left (until <NOT_AFTER>)
OK    reachability   <GATEWAY> accepts TCP connections
SKIP  tls handshake  no --cacert: the server cannot be authenticated
                     fix: pass --cacert ca.pem (the platform's CA certificate: DIR/ca.pem, or from the console)
SKIP  api envelope   needs a TLS connection
                     fix: fix the TLS handshake first
8 checks: 5 OK, 0 WARN, 0 FAIL, 3 SKIP
"
    );
    assert_eq!(run.code, 0);
}

#[test]
fn doctor_tells_a_fail_envelope_from_no_envelope() {
    let s = Server::start();
    let id = s.app_with_cert("my-app", &[]);
    let replace = variable_parts(&s, &id.cert_path());
    let mut args = full_args(&s, &id.cert_path(), &id.key_path());
    args[7] = s.gateway_url("/api-partner/v1/no-such-api").into();
    let run = doctor(&args, &replace);
    let api = run.out.lines().skip_while(|l| !l.contains("api envelope")).collect::<Vec<_>>().join("\n");
    assert_eq!(
        api,
        "\
WARN  api envelope   GET /api-partner/v1/no-such-api: HTTP 404, resultType FAIL: NOT_FOUND: no API at /api-partner/v1/no-such-api
                     fix: mTLS works; the platform refused this request: act on errorCode and reason (the path, the app's IP allowlist, its rate limit)
8 checks: 7 OK, 1 WARN, 0 FAIL, 0 SKIP"
    );
    assert_eq!(run.code, 3);

    // The console answers OpenAPI JSON, not an envelope, and asks for no client certificate.
    args[7] = format!("https://{}/admin/v1/openapi.json", s.endpoints.console).into();
    let run = doctor(&args, &replace);
    let api = run.out.lines().skip_while(|l| !l.contains("tls handshake")).collect::<Vec<_>>().join("\n");
    assert_eq!(
        api,
        "\
WARN  tls handshake  TLS 1.3, TLS_AES_128_GCM_SHA256, the server did not ask for a client certificate
                     fix: point --url at the platform's mTLS gateway: it always asks for the client certificate
FAIL  api envelope   GET /admin/v1/openapi.json: HTTP 200, not an Apps-in-Toss envelope: { \"openapi\": \"3.1.0\", \"info\": { \"title\": \"intoss admin API\", ...
                     fix: point --url at an Apps-in-Toss API path on the gateway (e.g. /api-partner/v1/whoami); a proxy or load balancer in between may be answering instead
8 checks: 6 OK, 1 WARN, 1 FAIL, 0 SKIP"
    );
    assert_eq!(run.code, 1);
}
