//! The example backend against an in-process intoss platform: health over mTLS, a complete
//! identity verification, a Toss Pay checkout (make → the user approves in the simulator →
//! execute → status → refund), and a callback refused from a non-Toss address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use intoss_proto::api::admin::{CreateApp, IssueCert};
use intoss_proto::api::login::SimLogin;
use intoss_proto::api::pay::SimPayApprove;
use serde_json::{Value, json};

/// One curl request to the backend; the answer as JSON (Null when it is not) and as text.
fn send(
    method: &'static str,
    path: String,
    addr: String,
    body: Option<Value>,
) -> tokio::task::JoinHandle<(Value, String)> {
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-X", method, &format!("http://{addr}{path}")]);
        if let Some(b) = body {
            cmd.args(["-H", "content-type: application/json", "-d", &b.to_string()]);
        }
        let out = cmd.output().unwrap();
        (
            serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_backend_end_to_end() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = intoss_server::Config::parse(
        "[listen]\ngateway = \"127.0.0.1:0\"\ncert = \"127.0.0.1:0\"\nconsole = \"127.0.0.1:0\"\n",
        "test",
    )
    .unwrap();
    let platform = intoss_server::start(data.clone(), config).await.unwrap();
    let ep = platform.endpoints;
    let ca = std::fs::read(data.join("ca.pem")).unwrap();
    let token = std::fs::read_to_string(data.join("admin-token")).unwrap();
    let admin = intoss_client::AdminClient::new(
        intoss_client::tls::client_config(&ca, None).unwrap(),
        &format!("https://{}", ep.console),
        &token,
    );
    admin.create_app(&CreateApp::named("example")).await.unwrap();
    let issued = admin.issue_cert("example", &IssueCert::default()).await.unwrap();
    std::fs::write(dir.path().join("cert.pem"), &issued.cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), issued.key_pem.unwrap()).unwrap();
    let client = admin.create_idv_client("example", None).await.unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_partner-backend"))
        .args(["--gateway", &format!("https://{}", ep.gateway)])
        .args(["--idv-base", &format!("https://{}", ep.cert)])
        .arg("--cacert")
        .arg(data.join("ca.pem"))
        .arg("--cert")
        .arg(dir.path().join("cert.pem"))
        .arg("--key")
        .arg(dir.path().join("key.pem"))
        .arg("--idv-public-key")
        .arg(data.join("idv-public-key.pem"))
        .args(["--client-id", &client.client_id])
        .args(["--client-secret", &client.client_secret])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap().to_owned();
    let http = |method: &'static str, path: String, addr: String| send(method, path, addr, None);
    let post = |path: String, addr: String, body: Value| send("POST", path, addr, Some(body));
    let (health, raw) = http("GET", "/health".into(), addr.clone()).await.unwrap();
    assert_eq!(health["app"], "example", "{raw}");
    let (started, _) = http("POST", "/verify".into(), addr.clone()).await.unwrap();
    let tx = started["txId"].as_str().unwrap().to_owned();
    let (p, _) = http("GET", format!("/verify/{tx}"), addr.clone()).await.unwrap();
    assert_eq!(p["status"], "REQUESTED");
    admin.complete_idv_transaction(&tx, &Default::default()).await.unwrap();
    let (p, _) = http("GET", format!("/verify/{tx}"), addr.clone()).await.unwrap();
    assert_eq!(
        (p["status"].as_str(), p["name"].as_str(), p["adult"].as_bool()),
        (Some("COMPLETED"), Some("김토스"), Some(true))
    );
    // Polling again is fine: the backend fetched the result once and kept it.
    for _ in 0..3 {
        let (again, _) = http("GET", format!("/verify/{tx}"), addr.clone()).await.unwrap();
        assert_eq!(again["name"], "김토스");
    }
    // Toss Pay: the user (logged in to the app through Toss Login) buys something.
    let login = admin
        .sim_login(&SimLogin {
            app: "example".into(),
            user: "kim-toss".into(),
            scopes: vec!["USER_NAME".into()],
            agreed_terms: vec![],
            referrer: None,
        })
        .await
        .unwrap();
    let key = login.user_key;
    let order =
        json!({"userKey": key, "orderNo": "example-1", "productDesc": "프리미엄 1개월", "amount": 9900});
    let (made, raw) = post("/checkout".into(), addr.clone(), order.clone()).await.unwrap();
    let token = made["payToken"].as_str().unwrap_or_else(|| panic!("{raw}")).to_owned();
    let confirm = format!("/checkout/{token}/confirm");
    let (early, _) = post(confirm.clone(), addr.clone(), json!({"userKey": key})).await.unwrap();
    assert_eq!(early["error"], "PAYMENT_NOT_APPROVED", "the user has not approved yet");
    admin
        .sim_pay_approve(&SimPayApprove {
            pay_token: token.clone(),
            method: Some("TOSS_MONEY".into()),
            card_company_code: None,
        })
        .await
        .unwrap();
    let (paid, raw) = post(confirm.clone(), addr.clone(), json!({"userKey": key})).await.unwrap();
    assert_eq!(
        (paid["status"].as_str(), paid["paid"].as_i64(), paid["method"].as_str()),
        (Some("PAY_COMPLETE"), Some(9900), Some("TOSS_MONEY")),
        "{raw}"
    );
    let (again, raw) = post(confirm, addr.clone(), json!({"userKey": key})).await.unwrap();
    assert_eq!(again["status"], "PAY_COMPLETE", "a second confirm reads the paid state: {raw}");
    let (refunded, raw) = post(
        format!("/checkout/{token}/refund"),
        addr.clone(),
        json!({"userKey": key, "reason": "고객요청", "amount": 900}),
    )
    .await
    .unwrap();
    assert_eq!(
        (refunded["refunded"].as_i64(), refunded["refundable"].as_i64()),
        (Some(900), Some(9000)),
        "{raw}"
    );
    let (st, raw) = http("GET", format!("/checkout/{token}?userKey={key}"), addr.clone()).await.unwrap();
    assert_eq!(st["status"], "REFUND_SUCCESS", "{raw}");
    assert_eq!(st["steps"], json!([["PAY", 9900], ["REFUND", -900]]));
    let (reused, _) = post("/checkout".into(), addr.clone(), order).await.unwrap();
    assert_eq!(reused["error"], "PAYMENT_EXISTING_PAYMENT", "an orderNo is never reused");

    // 127.0.0.1 is not a Toss address: the callback is refused.
    let (refused, raw) = http("POST", "/callbacks/toss".into(), addr.clone()).await.unwrap();
    assert_eq!(refused["error"]["errorCode"], "IP_NOT_ALLOWED", "{raw}");

    let _ = child.kill();
    let _ = child.wait();
    platform.shutdown().await;
}
