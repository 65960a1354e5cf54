//! Expiry warnings delivered to the app's webhook.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use crate::common::*;

/// What the receiver got: each POST's body and User-Agent.
type Received = Arc<Mutex<Vec<(Value, String)>>>;

/// A webhook receiver on 127.0.0.1 that fails its first `fail_first` calls with a 500.
async fn receiver(fail_first: usize) -> (std::net::SocketAddr, Received) {
    let got: Received = Arc::default();
    let calls = Arc::new(Mutex::new(0usize));
    let seen = got.clone();
    let app = Router::new().route(
        "/hooks/secret-token",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (seen, calls) = (seen.clone(), calls.clone());
            async move {
                let n = {
                    let mut c = calls.lock().unwrap();
                    *c += 1;
                    *c
                };
                let ua = headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                seen.lock().unwrap().push((serde_json::from_slice(&body).unwrap_or(Value::Null), ua));
                if n <= fail_first { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, got)
}

/// Moves a certificate's end of validity to `days` from now, as the store sees it (the scan
/// reads the store, not the certificate).
fn expire_in(s: &Server, serial: &str, days: i64) {
    let sql = format!(
        "UPDATE certs SET not_after = CAST(strftime('%s','now') AS INTEGER) + {days} * 86400 WHERE serial = '{serial}';"
    );
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 5000"])
        .arg(s.data_dir().join("intoss.db"))
        .arg(sql)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A certificate 20 days from its end crosses the 30-day threshold: the app's webhook gets one
/// POST describing it (after a failed first attempt, retried), and later scans do not repeat it.
/// The log names the webhook's host only, never its path (which often holds a secret).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiry_warning_is_posted_once_to_the_app_webhook_with_a_retry() {
    if !require("sqlite3") {
        return;
    }
    let (addr, got) = receiver(1).await;
    let s = Server::start_with("[expiry]\nscan_interval_ms = 200\n");
    let id = s.app_with_cert("hooked", &[]);
    let quiet = s.app_with_cert("quiet", &[]);
    let url = format!("http://{addr}/hooks/secret-token");
    s.admin()
        .update_app("hooked", &PatchApp { webhook_url: Some(url), ..PatchApp::default() })
        .await
        .unwrap();
    expire_in(&s, &id.serial, 20);
    expire_in(&s, &quiet.serial, 20);

    let start = Instant::now();
    while got.lock().unwrap().len() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not delivered: {:?}\n{}",
            got.lock().unwrap(),
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Several more scans: nothing more arrives (the app without a webhook gets nothing either).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "one failed attempt, one delivery: {got:?}");
    assert_eq!(got[0].0, got[1].0, "the retry carries the same warning");
    let w = &got[1].0;
    assert_eq!(w["type"], "CERTIFICATE_EXPIRING");
    assert_eq!(w["app"], "hooked");
    assert_eq!(w["serial"], id.serial.as_str());
    assert_eq!(w["thresholdDays"], 30);
    assert!(w["notAfter"].as_str().is_some_and(|t| t.ends_with('Z')), "{w}");
    assert!(got[1].1.starts_with("intoss/"), "user agent {:?}", got[1].1);

    let log = s.log();
    assert!(log.contains("expiry webhook failed; retrying"), "{log}");
    assert!(!log.contains("secret-token"), "the webhook path reached the log:\n{log}");
}

/// A webhook that never succeeds is given up after three attempts, with a warning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_webhook_is_given_up_with_a_warning() {
    if !require("sqlite3") {
        return;
    }
    let (addr, got) = receiver(usize::MAX).await;
    let s = Server::start_with("[expiry]\nscan_interval_ms = 200\n");
    let id = s.app_with_cert("down", &[]);
    s.admin()
        .update_app(
            "down",
            &PatchApp {
                webhook_url: Some(format!("http://{addr}/hooks/secret-token")),
                ..PatchApp::default()
            },
        )
        .await
        .unwrap();
    expire_in(&s, &id.serial, 5);
    // The 30- and 7-day thresholds are both crossed: two warnings, three attempts each.
    let start = Instant::now();
    while s.log().matches("not delivered to the app's webhook; giving up").count() < 2 {
        assert!(start.elapsed() < Duration::from_secs(30), "{}", s.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 6, "{got:?}");
    let mut days: Vec<i64> = got.iter().map(|(w, _)| w["thresholdDays"].as_i64().unwrap()).collect();
    days.sort_unstable();
    assert_eq!(days, [7, 7, 7, 30, 30, 30]);
    assert!(!s.log().contains("secret-token"));
}
