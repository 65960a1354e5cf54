//! The example backend against an in-process intoss platform: health over mTLS, a complete
//! identity verification, and a callback refused from a non-Toss address.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use intoss_proto::api::admin::{CreateApp, IssueCert};
use serde_json::Value;

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
    let http = |method: &'static str, path: String, addr: String| {
        tokio::task::spawn_blocking(move || {
            let out = Command::new("curl")
                .args(["-s", "-X", method, &format!("http://{addr}{path}")])
                .output()
                .unwrap();
            (
                serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null),
                String::from_utf8_lossy(&out.stdout).to_string(),
            )
        })
    };
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
    // 127.0.0.1 is not a Toss address: the callback is refused.
    let (refused, raw) = http("POST", "/callbacks/toss".into(), addr.clone()).await.unwrap();
    assert_eq!(refused["error"]["errorCode"], "IP_NOT_ALLOWED", "{raw}");

    let _ = child.kill();
    let _ = child.wait();
    platform.shutdown().await;
}
