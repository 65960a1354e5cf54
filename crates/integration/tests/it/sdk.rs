//! The partner SDK (`intoss-client`) against a real `intoss serve`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use intoss_client::idv::IdvClient;
use intoss_client::{ClientError, PartnerClient, RetryPolicy};
use serde::Deserialize;

use crate::common::*;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmI {
    app: String,
    cert_serial: String,
    qpm_limit: u32,
}

fn client_for(s: &Server, id: &Identity) -> PartnerClient {
    PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .private_ca(s.ca_pem())
        .identity_files(id.cert_path(), id.key_path())
        .build()
        .unwrap()
}

fn api(e: ClientError) -> Box<intoss_client::ApiFailure> {
    match e {
        ClientError::Api(f) => f,
        other => panic!("expected a FAIL envelope, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_whoami_and_every_fail_mapped() {
    let s = Server::start();
    let id = s.app_with_cert("sdk", &["--qpm", "4"]);
    let c = client_for(&s, &id);
    let me: WhoAmI = c.get("/api-partner/v1/whoami").await.unwrap();
    assert_eq!((me.app.as_str(), me.cert_serial.as_str(), me.qpm_limit), ("sdk", id.serial.as_str(), 4));

    let f = api(c.get::<serde_json::Value>("/api-partner/v1/nope").await.unwrap_err());
    assert_eq!((f.status, f.code.as_str()), (404, "NOT_FOUND"));
    assert!(!f.reason.is_empty());
    let f = api(c
        .post::<_, serde_json::Value>("/api-partner/v1/whoami", &serde_json::json!({}))
        .await
        .unwrap_err());
    assert_eq!((f.status, f.code.as_str()), (405, "METHOD_NOT_ALLOWED"));
    // Every request counts (404 and 405 too): the fourth of the minute is the last admitted, the
    // fifth a typed 429 with Retry-After (longer than the retry policy waits, so it surfaces).
    let strict = PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .private_ca(s.ca_pem())
        .identity_files(id.cert_path(), id.key_path())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let _: serde_json::Value = strict.get("/api-partner/v1/whoami").await.unwrap();
    let f = api(strict.get::<serde_json::Value>("/api-partner/v1/whoami").await.unwrap_err());
    assert_eq!((f.status, f.code.as_str()), (429, "TOO_MANY_REQUESTS"));
    assert!(f.retry_after.is_some_and(|d| d >= Duration::from_secs(59)), "{:?}", f.retry_after);

    s.cli_ok(&["app", "set", "sdk", "--qpm", "100", "--allow-ip", "10.0.0.0/8"]);
    let f = api(c.get::<serde_json::Value>("/api-partner/v1/whoami").await.unwrap_err());
    assert_eq!((f.status, f.code.as_str()), (403, "IP_NOT_ALLOWED"));

    // Without a certificate: a TLS error that says so (the seed's ERR_NETWORK).
    let anon = PartnerClient::builder()
        .base_url(format!("https://{}", s.endpoints.gateway))
        .private_ca(s.ca_pem())
        .build()
        .unwrap();
    match anon.get::<serde_json::Value>("/api-partner/v1/whoami").await {
        Err(ClientError::Tls(msg)) => assert!(msg.contains("requires a client certificate"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn pacing_keeps_a_burst_under_the_limit() {
    let s = Server::start();
    let id = s.app_with_cert("paced", &["--qpm", "5"]);
    let c = Arc::new(
        PartnerClient::builder()
            .base_url(format!("https://{}", s.endpoints.gateway))
            .private_ca(s.ca_pem())
            .identity_files(id.cert_path(), id.key_path())
            .pace(5)
            .retry(RetryPolicy::none())
            .build()
            .unwrap(),
    );
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (c, done) = (c.clone(), done.clone());
        tasks.spawn(async move {
            let r: Result<serde_json::Value, _> = c.get("/api-partner/v1/whoami").await;
            r.expect("paced requests are never refused");
            done.fetch_add(1, Ordering::SeqCst);
        });
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Five went through; three wait for the window instead of being refused by the platform.
    assert_eq!(done.load(Ordering::SeqCst), 5);
    tasks.abort_all();
}

#[tokio::test]
async fn rotating_certificate_files_loses_no_request() {
    let s = Server::start();
    let old = s.app_with_cert("rotate", &[]);
    // The loop below is unpaced and runs for seconds: keep it clear of the default 3,000/min,
    // which a fast machine reaches (a 429 here would be the limiter, not the rotation).
    s.cli_ok(&["app", "set", "rotate", "--qpm", "1000000"]);
    let dir = s.dir.path().join("live");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(old.cert_path(), dir.join("client-cert.pem")).unwrap();
    std::fs::copy(old.key_path(), dir.join("client-key.pem")).unwrap();
    let live = Identity { dir: dir.clone(), serial: old.serial.clone() };
    let c = Arc::new(client_for(&s, &live));

    let stop = Arc::new(AtomicBool::new(false));
    let (ok, seen_new) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let new = s.issue("rotate");
    let flow = {
        let (c, stop, ok, seen_new, new_serial) =
            (c.clone(), stop.clone(), ok.clone(), seen_new.clone(), new.serial.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let me: WhoAmI =
                    c.get("/api-partner/v1/whoami").await.expect("no request fails during rotation");
                if me.cert_serial == new_serial {
                    seen_new.store(true, Ordering::SeqCst);
                }
                ok.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Rotate: replace both files atomically, the way a deploy would.
    for (src, name) in [(new.key_path(), "client-key.pem"), (new.cert_path(), "client-cert.pem")] {
        let tmp = dir.join(format!("{name}.tmp"));
        std::fs::copy(src, &tmp).unwrap();
        std::fs::rename(&tmp, dir.join(name)).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(seen_new.load(Ordering::SeqCst), "traffic moved to the new certificate");
    // The old certificate can now be revoked without a single failure.
    s.cli_ok(&["cert", "revoke", &old.serial]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A broken replacement keeps the working identity and reports the error.
    std::fs::write(
        dir.join("client-cert.pem"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    flow.await.unwrap();
    assert!(ok.load(Ordering::SeqCst) > 10);
    assert!(c.identity().unwrap().last_error().is_some(), "the failed reload is reported");
}

#[tokio::test]
async fn a_revoked_certificate_is_a_clear_error() {
    let s = Server::start();
    let id = s.app_with_cert("rev", &[]);
    let c = client_for(&s, &id);
    let _: serde_json::Value = c.get("/api-partner/v1/whoami").await.unwrap();
    s.cli_ok(&["cert", "revoke", &id.serial]);
    let err = c.get::<serde_json::Value>("/api-partner/v1/whoami").await.unwrap_err().to_string();
    assert!(err.contains("CERTIFICATE_REVOKED") || err.contains("revoked"), "{err}");
}

#[tokio::test]
async fn identity_verification_flow_and_one_token_for_many_tasks() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "idv-sdk"]);
    let created: serde_json::Value =
        serde_json::from_str(&s.cli_ok(&["idv", "client", "create", "--app", "idv-sdk", "--json"])).unwrap();
    let key = std::fs::read(s.data_dir().join("idv-public-key.pem")).unwrap();
    let idv = Arc::new(
        IdvClient::sandbox(
            &format!("https://{}", s.endpoints.cert),
            &s.ca_pem(),
            &key,
            created["client_id"].as_str().unwrap(),
            created["client_secret"].as_str().unwrap(),
        )
        .unwrap(),
    );
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let idv = idv.clone();
        tasks.spawn(async move { idv.access_token().await.unwrap() });
    }
    let tokens: Vec<String> = tasks.join_all().await;
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(idv.token_fetches(), 1, "concurrent users share one token request");

    let started =
        idv.request_personal("홍길동", "01012345678", "19900101", "intoss://my-granite-app").await.unwrap();
    assert!(started.app_scheme.is_some());
    assert_eq!(idv.status(&started.tx_id).await.unwrap().status, "REQUESTED");
    let f = api(idv.result(&started.tx_id).await.unwrap_err());
    assert_eq!(f.code, "CE3102");
    assert_eq!(f.error_type, Some(0), "identity-verification error fields are kept");
    s.cli_ok(&["idv", "complete", &started.tx_id]);
    let person = idv.result(&started.tx_id).await.unwrap();
    assert_eq!(
        (person.name.as_str(), person.birthday.as_str(), person.age_group.as_str()),
        ("김토스", "19930324", "ADULT")
    );
    assert!(!person.signature.is_empty());
    let one = idv.request_one_touch("intoss://x").await.unwrap();
    assert!(one.app_scheme.is_none());
    assert_eq!(idv.token_fetches(), 1, "the token is reused");
}

#[test]
fn intoss_call_prints_the_envelope_and_exits_by_result() {
    let s = Server::start();
    let id = s.app_with_cert("caller", &[]);
    let ca = s.data_dir().join("ca.pem");
    let call = |extra: &[&str]| {
        let mut cmd = std::process::Command::new(bin());
        cmd.arg("call").arg("--cacert").arg(&ca);
        cmd.args(extra);
        cmd.output().unwrap()
    };
    let (cert, key) = (id.cert_path().display().to_string(), id.key_path().display().to_string());
    let out = call(&["--cert", &cert, "--key", &key, &s.gateway_url("/api-partner/v1/whoami")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["success"]["app"], "caller");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\n  \"resultType\""), "pretty-printed");

    let out = call(&[
        "--cert",
        &cert,
        "--key",
        &key,
        "-d",
        r#"{"hello":"세계"}"#,
        &s.gateway_url("/api-partner/v1/echo"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["success"]["echo"]["hello"], "세계");

    let out = call(&["--cert", &cert, "--key", &key, &s.gateway_url("/api-partner/v1/missing")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_FOUND"));

    let out = call(&[&s.gateway_url("/api-partner/v1/whoami")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requires a client certificate") && err.contains("ERR_NETWORK"), "{err}");

    let out = call(&["--cert", &cert, "--key", &key, "-d", "{bad", &s.gateway_url("/api-partner/v1/echo")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    let out = call(&["--cert", &cert, "--key", &key, &format!("http://{}/", s.endpoints.gateway)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
}
