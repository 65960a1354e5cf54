//! Gateway handler tests without sockets: the gateway is called directly, with the connection
//! facts a TLS listener would attach, so that time can be paused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use intoss_core::{Clock, RequestStats, Snapshots};
use intoss_gateway::{Gateway, Settings};
use intoss_store::{CertRecord, NewApp, SqliteStore, Store};
use intoss_tls::{ClientIdentity, ConnInfo};

/// Stands in for the certificate's DER: the gate matches its SHA-256 only.
const FAKE_DER: &[u8] = b"the certificate of app";

/// A gateway over a SQLite store holding one app (`app`, `qpm`) and one certificate (`0a`):
/// no data dir, no keys, no listener.
struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    snapshots: Arc<Snapshots>,
    gateway: Arc<Gateway>,
}

impl Fixture {
    fn now_ms(&self) -> u64 {
        self.snapshots.clock().now_ms()
    }
}

async fn fixture(qpm: u32) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
    store
        .create_app(&NewApp { name: "app".into(), qpm, allow_ips: vec![], webhook_url: None, created_at: 0 })
        .await
        .unwrap();
    store
        .insert_cert(&CertRecord {
            serial: "0a".into(),
            app_name: "app".into(),
            cert_pem: intoss_pki::der_to_pem("CERTIFICATE", FAKE_DER),
            key_source: "p256".into(),
            not_before: 0,
            not_after: i64::MAX / 2,
            created_at: 0,
            revoked_at: None,
            revoke_reason: None,
            renewed_from: None,
        })
        .await
        .unwrap();
    let snapshots = Arc::new(Snapshots::new(store.clone(), Clock::new()));
    snapshots.reload().await.unwrap();
    let gateway = Arc::new(Gateway::new(
        snapshots.clone(),
        Arc::new(intoss_ratelimit::MemoryLimiter::new()),
        Arc::new(RequestStats::default()),
        Settings { routes: vec![], max_body_bytes: 1024, max_staleness: None, journal: true },
    ));
    Fixture { _dir: dir, store, snapshots, gateway }
}

async fn whoami(p: &Arc<Gateway>) -> (StatusCode, serde_json::Value, Option<String>) {
    let req = Request::get("/api-partner/v1/whoami").body(Body::empty()).unwrap();
    let info = ConnInfo {
        peer: "127.0.0.1:5000".parse().unwrap(),
        client: Some(Arc::new(ClientIdentity {
            serial: "0a".into(),
            common_name: Some("app".into()),
            not_after: 0,
            fingerprint: intoss_tls::identity::fingerprint(FAKE_DER),
        })),
        tls_version: "TLSv1_3",
        cipher_suite: "TLS13_AES_128_GCM_SHA256",
    };
    let conn = intoss_http::Conn { info, control: Default::default() };
    let resp = intoss_gateway::handle(p, &conn, req).await;
    let status = resp.status();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap(), retry)
}

/// The edge of the window, at millisecond resolution: a full burst, the next refused, refused
/// again one millisecond before the oldest bucket leaves the window, admitted at that moment.
#[tokio::test]
async fn rate_limit_is_exact_at_the_window_edge() {
    let f = fixture(10).await;
    let p = &f.gateway;
    tokio::time::pause();
    // Align to a bucket start so the arithmetic below is exact.
    let into_bucket = f.now_ms() % intoss_ratelimit::BUCKET_MS;
    tokio::time::advance(Duration::from_millis(intoss_ratelimit::BUCKET_MS - into_bucket)).await;
    let burst_at = f.now_ms();
    for i in 0..10 {
        let (status, body, _) = whoami(p).await;
        assert_eq!(status, StatusCode::OK, "burst request {i}: {body}");
        assert_eq!(body["success"]["remaining"], 9 - i);
    }
    let (status, body, retry) = whoami(p).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["errorCode"], "TOO_MANY_REQUESTS");
    assert_eq!(retry.as_deref(), Some("61"), "60.1 s rounded up");

    // The burst's bucket leaves the window 60.1 s after it started.
    let free_at = burst_at + 60_100;
    tokio::time::advance(Duration::from_millis(free_at - 1 - f.now_ms())).await;
    assert_eq!(whoami(p).await.0, StatusCode::TOO_MANY_REQUESTS, "1 ms before the edge");
    tokio::time::advance(Duration::from_millis(1)).await;
    for _ in 0..10 {
        assert_eq!(whoami(p).await.0, StatusCode::OK, "the whole limit is available again");
    }
    assert_eq!(whoami(p).await.0, StatusCode::TOO_MANY_REQUESTS);
}

/// Steady demand above the limit for five minutes of paused time: never more than the limit in
/// any trailing 60 s window, and at least 99 % of it admitted per minute.
#[tokio::test]
async fn sustained_overload_is_held_to_the_limit() {
    let f = fixture(50).await;
    let p = &f.gateway;
    tokio::time::pause();
    let mut admitted: Vec<u64> = Vec::new();
    let start = f.now_ms();
    while f.now_ms() < start + 300_000 {
        if whoami(p).await.0 == StatusCode::OK {
            admitted.push(f.now_ms());
        }
        tokio::time::advance(Duration::from_millis(400)).await; // 150 requests/min offered
    }
    for (i, &t) in admitted.iter().enumerate() {
        let in_window = admitted[..=i].iter().filter(|&&u| u + 60_000 > t).count();
        assert!(in_window <= 50, "{in_window} admitted in the 60 s before {t}");
    }
    for minute in 1..5 {
        let (a, b) = (start + minute * 60_000, start + (minute + 1) * 60_000);
        let n = admitted.iter().filter(|&&t| t >= a && t < b).count();
        assert!(n >= 49, "only {n} admitted in minute {minute}");
    }
}

#[tokio::test]
async fn revoked_after_the_handshake_is_refused_per_request() {
    let f = fixture(100).await;
    assert_eq!(whoami(&f.gateway).await.0, StatusCode::OK);
    f.store.revoke_cert("0a", 1, "test").await.unwrap();
    f.snapshots.reload().await.unwrap();
    let (status, body, _) = whoami(&f.gateway).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["errorCode"], "CERTIFICATE_REVOKED");
}
