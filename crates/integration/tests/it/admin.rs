//! Admin API and CLI.

use std::process::Command;

use hyper::Method;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn admin_api_requires_the_token() {
    let s = Server::start();
    let http = intoss_client::HttpsClient::new(intoss_client::tls::client_config(&s.ca_pem(), None).unwrap());
    let url = format!("https://{}/admin/v1/apps", s.endpoints.console);
    let r = http.send(Method::GET, &url, &[], None).await.unwrap();
    assert_fail(&r, 401, "UNAUTHORIZED");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let r = http.send(Method::GET, &url, &[("authorization", "Bearer wrong")], None).await.unwrap();
    assert_fail(&r, 401, "UNAUTHORIZED");
    let token = std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap();
    let r = http
        .send(Method::GET, &url, &[("authorization", &format!("Bearer {}", token.trim()))], None)
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["success"]["apps"], serde_json::json!([]));
    // Every authenticated route refuses without the token, including writes.
    for (m, path) in [
        (Method::POST, "/admin/v1/apps"),
        (Method::GET, "/admin/v1/certs"),
        (Method::POST, "/admin/v1/certs/01/revoke"),
        (Method::PATCH, "/admin/v1/apps/x"),
        (Method::POST, "/admin/v1/apps/x/certs"),
        (Method::GET, "/admin/v1/expiry-notices"),
        (Method::POST, "/admin/v1/idv/clients"),
        (Method::GET, "/admin/v1/idv/clients"),
        (Method::DELETE, "/admin/v1/idv/clients/x"),
        (Method::GET, "/admin/v1/idv/transactions"),
        (Method::POST, "/admin/v1/idv/transactions/x/complete"),
        (Method::POST, "/admin/v1/idv/transactions/x/age"),
    ] {
        let r = http
            .send(m.clone(), &format!("https://{}{path}", s.endpoints.console), &[], Some(b"{}".to_vec()))
            .await
            .unwrap();
        assert_fail(&r, 401, "UNAUTHORIZED");
    }
    // The OpenAPI document is public and describes the routes.
    let r = http
        .send(Method::GET, &format!("https://{}/admin/v1/openapi.json", s.endpoints.console), &[], None)
        .await
        .unwrap();
    let doc = json(&r);
    assert_eq!(doc["openapi"], "3.0.3");
    for p in [
        "/admin/v1/apps",
        "/admin/v1/apps/{name}/certs",
        "/admin/v1/certs/{serial}/revoke",
        "/admin/v1/idv/clients",
        "/admin/v1/idv/transactions/{tx_id}/complete",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
}

#[tokio::test]
async fn admin_errors_are_envelopes() {
    let s = Server::start();
    let admin = s.admin();
    admin.create_app(&CreateApp::named("dup")).await.unwrap();
    let err = admin.create_app(&CreateApp::named("dup")).await.unwrap_err().to_string();
    assert!(err.contains("ALREADY_EXISTS") && err.contains("409"), "{err}");
    let err = admin.create_app(&CreateApp::named("bad name!")).await.unwrap_err().to_string();
    assert!(err.contains("INVALID_PARAMETER"), "{err}");
    let err = admin
        .create_app(&CreateApp { qpm: Some(20_000_000), ..CreateApp::named("x") })
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("INVALID_PARAMETER") && err.contains("qpm"), "{err}");
    let err = admin.issue_cert("ghost", &IssueCert::default()).await.unwrap_err().to_string();
    assert!(err.contains("NOT_FOUND"), "{err}");
    let err = admin.issue_cert("dup", &IssueCert::generated("dsa")).await.unwrap_err().to_string();
    assert!(err.contains("INVALID_PARAMETER") && err.contains("key_type"), "{err}");
    let err = admin
        .issue_cert(
            "dup",
            &IssueCert::from_csr(
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            ),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("INVALID_PARAMETER") && err.contains("CSR"), "{err}");
    let err = admin.revoke_cert("zz", None).await.unwrap_err().to_string();
    assert!(err.contains("INVALID_PARAMETER"), "{err}");
    let err = admin.revoke_cert("0123", None).await.unwrap_err().to_string();
    assert!(err.contains("NOT_FOUND"), "{err}");
    let err = admin
        .call(Method::POST, "/admin/v1/apps", Some(serde_json::json!({"name": "a", "colour": 1})))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("INVALID_PARAMETER") && err.contains("colour"), "{err}");
    let err = admin.call(Method::GET, "/admin/v1/nope", None).await.unwrap_err().to_string();
    assert!(err.contains("NOT_FOUND"), "{err}");
    let err = admin.call(Method::DELETE, "/admin/v1/apps", None).await.unwrap_err().to_string();
    assert!(err.contains("METHOD_NOT_ALLOWED"), "{err}");
}

#[tokio::test]
async fn cli_lists_as_tables_and_json_with_documented_fields() {
    let s = Server::start();
    // The global flag works before the subcommand too.
    let out = Command::new(bin())
        .arg("--data-dir")
        .arg(s.data_dir())
        .args(["app", "create", "tour", "--qpm", "100", "--allow-ip", "127.0.0.1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let apps: Value = serde_json::from_str(&s.cli_ok(&["app", "list", "--json"])).unwrap();
    assert_eq!(apps[0]["name"], "tour");
    assert_eq!(apps[0]["qpm"], 100);
    assert_eq!(apps[0]["allow_ips"], serde_json::json!(["127.0.0.1"]));
    let table = s.cli_ok(&["app", "list"]);
    assert!(table.lines().next().unwrap().starts_with("NAME"), "{table}");
    assert!(table.contains("tour"));

    let out_dir = s.dir.path().join("tour-cert");
    let issued = s.cli_ok(&["cert", "issue", "--app", "tour", "--out", out_dir.to_str().unwrap()]);
    assert!(issued.contains("390 days"), "{issued}");
    let key_pem = std::fs::read_to_string(out_dir.join("client-key.pem")).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(out_dir.join("client-key.pem")).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The default key is RSA-2048, as the seed's Kotlin sample needs.
    let openssl = Command::new("openssl")
        .args(["pkey", "-noout", "-text", "-in"])
        .arg(out_dir.join("client-key.pem"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&openssl.stdout).contains("2048 bit"));

    let certs: Value = serde_json::from_str(&s.cli_ok(&["cert", "list", "--json"])).unwrap();
    let c = &certs[0];
    for field in ["serial", "app", "status", "not_before", "not_after", "days_left"] {
        assert!(c.get(field).is_some(), "{field} in {c}");
    }
    assert_eq!(c["status"], "active");
    assert_eq!(c["days_left"], 390);
    let table = s.cli_ok(&["cert", "list"]);
    assert!(table.starts_with("SERIAL"), "{table}");

    // The platform never stored the key: it appears nowhere in the data dir.
    let body: String = key_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for entry in std::fs::read_dir(s.data_dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).replace('\n', "");
        assert!(!text.contains(&body[..60]), "issued key found in the data dir");
    }

    // A failing command exits non-zero with the errorCode.
    let out = s.cli(&["cert", "revoke", "abcd"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_FOUND"));
}

#[tokio::test]
async fn csr_issuance_keeps_the_key_and_takes_the_subject_from_the_app() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "csr-app"]);
    let d = s.dir.path();
    let ok = Command::new("openssl")
        .args(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=someone-else/O=evil", "-keyout"])
        .arg(d.join("my-key.pem"))
        .arg("-out")
        .arg(d.join("req.csr"))
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let out_dir = d.join("csr-out");
    s.cli_ok(&[
        "cert",
        "issue",
        "--app",
        "csr-app",
        "--csr",
        d.join("req.csr").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(!out_dir.join("client-key.pem").exists(), "no key when issuing from a CSR");
    let text = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-ext", "extendedKeyUsage", "-in"])
        .arg(out_dir.join("client-cert.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("CN = csr-app") && !text.contains("someone-else"), "{text}");
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    // And it works with the partner's own key.
    let id = Identity { dir: out_dir.clone(), serial: String::new() };
    std::fs::copy(d.join("my-key.pem"), out_dir.join("client-key.pem")).unwrap();
    let r = get(&s.client(Some(&id)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(json(&r)["success"]["app"], "csr-app");
}

/// Found by schemathesis: serde reads `[null, null]` as a struct, so the admin API once issued a
/// certificate for an array body. Every admin body must be a JSON object.
#[tokio::test]
async fn regression_array_bodies_are_refused() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "arr"]);
    let http = intoss_client::HttpsClient::new(intoss_client::tls::client_config(&s.ca_pem(), None).unwrap());
    let token = std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap();
    let auth = format!("Bearer {}", token.trim());
    for (path, body) in [
        ("/admin/v1/apps/arr/certs", "[null, null]"),
        ("/admin/v1/apps", "[\"x\"]"),
        ("/admin/v1/idv/clients", "\"arr\""),
    ] {
        let r = http
            .send(
                Method::POST,
                &format!("https://{}{path}", s.endpoints.console),
                &[("authorization", &auth)],
                Some(body.as_bytes().to_vec()),
            )
            .await
            .unwrap();
        let reason = assert_fail(&r, 400, "INVALID_PARAMETER");
        assert!(reason.contains("JSON object"), "{path}: {reason}");
    }
    let certs: Value = serde_json::from_str(&s.cli_ok(&["cert", "list", "--json"])).unwrap();
    assert_eq!(certs, serde_json::json!([]), "nothing issued");
}
