//! The delivery worker against a real HTTP receiver on 127.0.0.1, with time injected: the whole
//! retry schedule of each format, the final notice, 410, Retry-After, signatures with two
//! secrets, and the SSRF guard.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use intoss_events::Dispatcher;
use intoss_proto::webhook;
use intoss_store::{CertRecord, EndpointRecord, NewApp, SqliteStore, Store};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A receiver answering each request with the next scripted answer (the last one repeats).
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn receiver(answers: Vec<&'static str>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook?token=secret-in-path", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            let log = log.clone();
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let headers: Vec<(String, String)> = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .map(|(_, v)| v.parse().unwrap())
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    let body = buf[end + 4..end + 4 + len].to_vec();
                    buf.drain(..end + 4 + len);
                    log.lock().unwrap().push(Seen { headers, body });
                    let answer = {
                        let mut a = answers.lock().unwrap();
                        if a.len() > 1 { a.pop_front().unwrap() } else { *a.front().unwrap() }
                    };
                    let resp = format!("HTTP/1.1 {answer}\r\ncontent-length: 0\r\nx-receiver: test\r\n\r\n");
                    sock.write_all(resp.as_bytes()).await.unwrap();
                }
            });
        }
    });
    Receiver { url, seen }
}

async fn store() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    s.create_app(&NewApp {
        name: "a".into(),
        qpm: 3000,
        allow_ips: vec![],
        webhook_url: None,
        created_at: 1,
    })
    .await
    .unwrap();
    (dir, Arc::new(s))
}

fn endpoint(url: &str, format: &str, secrets: Vec<String>, allow_local: bool) -> EndpointRecord {
    EndpointRecord {
        id: "we_1".into(),
        app_name: "a".into(),
        kind: "PUSH".into(),
        url: url.into(),
        format: format.into(),
        event_types: vec![],
        enabled: true,
        allow_local,
        ordered: false,
        secrets,
        disabled_reason: None,
        created_at: 1,
        updated_at: 1,
    }
}

/// A certificate issued at `at`: its CERTIFICATE_ISSUED event is the one delivered.
async fn issue(s: &dyn Store, serial: &str, at: i64) {
    s.insert_cert(&CertRecord {
        serial: serial.into(),
        app_name: "a".into(),
        cert_pem: "PEM".into(),
        key_source: "csr".into(),
        not_before: at,
        not_after: at + 390 * 86_400,
        created_at: at,
        revoked_at: None,
        revoke_reason: None,
        renewed_from: None,
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_toss_schedule_runs_to_its_final_notice_under_an_injected_clock() {
    let (_dir, s) = store().await;
    let rx = receiver(vec!["500 Internal Server Error"]).await;
    let secret = webhook::generate_secret().unwrap();
    s.insert_endpoint(&endpoint(&rx.url, "TOSS", vec![secret.clone()], true)).await.unwrap();
    let t0 = 1_800_000_000;
    issue(s.as_ref(), "01", t0).await;
    let d = Dispatcher::new(s.clone(), "node-a".into(), &[]).unwrap();

    assert_eq!(d.tick(t0).await.unwrap(), 1, "the first attempt is immediate");
    let mut at = t0;
    for minutes in [1, 4, 16, 64, 256, 1024, 4096] {
        at += minutes * 60;
        assert_eq!(d.tick(at - 1).await.unwrap(), 0, "not before {minutes} min");
        assert_eq!(d.tick(at).await.unwrap(), 1, "retried after {minutes} min");
    }
    assert_eq!(d.tick(at + 10 * 86_400).await.unwrap(), 0, "eight attempts in all");

    let event = &s.events("a", 1).await.unwrap()[0];
    let delivery = &s.deliveries(&event.id).await.unwrap()[0];
    assert_eq!(delivery.state, "FAILED");
    assert_eq!(delivery.final_notice_at, Some(at), "the final notice is recorded");
    let log = s.attempts(&delivery.id).await.unwrap();
    assert_eq!(log.len(), 8);
    assert!(log.iter().all(|a| a.status == Some(500) && a.finished_at.is_some()));
    assert!(log[0].response_head.as_deref().unwrap().contains("x-receiver: test"));

    // Every attempt: the Toss body and headers, the retry count, a signature over body:time.
    let seen = rx.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 8);
    for (i, r) in seen.iter().enumerate() {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["eventType"], "CERTIFICATE_ISSUED");
        assert_eq!(body["data"]["serial"], "01");
        assert!(body["createdAt"].as_str().unwrap().ends_with(".000"), "Korea time without a zone");
        assert_eq!(r.header("tosspayments-webhook-transmission-id"), Some(event.id.as_str()));
        assert_eq!(r.header("tosspayments-webhook-transmission-retried-count"), Some(i.to_string().as_str()));
        let time = r.header("tosspayments-webhook-transmission-time").unwrap();
        let expected = webhook::sign_toss(std::slice::from_ref(&secret), &r.body, time).unwrap();
        assert_eq!(r.header("tosspayments-webhook-signature"), Some(expected.as_str()));
    }
}

#[tokio::test]
async fn standard_deliveries_are_signed_with_every_secret_and_honour_retry_after_and_410() {
    let (_dir, s) = store().await;
    let rx = receiver(vec!["429 Too Many Requests\r\nretry-after: 120", "204 No Content", "410 Gone"]).await;
    let (old, new) = (webhook::generate_secret().unwrap(), webhook::generate_secret().unwrap());
    s.insert_endpoint(&endpoint(&rx.url, "STANDARD", vec![new.clone(), old.clone()], true)).await.unwrap();
    let t0 = 1_800_000_000;
    issue(s.as_ref(), "01", t0).await;
    let d = Dispatcher::new(s.clone(), "node-a".into(), &[]).unwrap();

    assert_eq!(d.tick(t0).await.unwrap(), 1);
    assert_eq!(d.tick(t0 + 5).await.unwrap(), 0, "Retry-After 120 wins over the schedule's 5 s");
    assert_eq!(d.tick(t0 + 120).await.unwrap(), 1);
    let first = &s.events("a", 1).await.unwrap()[0];
    assert_eq!(s.deliveries(&first.id).await.unwrap()[0].state, "DELIVERED");

    {
        let seen = rx.seen.lock().unwrap();
        for (r, at) in seen.iter().zip([t0, t0 + 120]) {
            assert_eq!(r.header("webhook-id"), Some(first.id.as_str()), "the same id on every attempt");
            assert_eq!(r.header("webhook-timestamp"), Some(at.to_string().as_str()));
            let sig = r.header("webhook-signature").unwrap();
            assert_eq!(sig.split(' ').count(), 2, "one signature per secret during a rotation");
            for secret in [&old, &new] {
                webhook::verify(&[secret], &first.id, &at.to_string(), sig, &r.body, at, 300).unwrap();
            }
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["type"], "CERTIFICATE_ISSUED");
            assert_eq!(body["data"]["keySource"], "csr");
        }
    }

    // 410: given up at once and the endpoint disabled with the reason; later events wait.
    issue(s.as_ref(), "02", t0 + 200).await;
    assert_eq!(d.tick(t0 + 200).await.unwrap(), 1);
    let ep = s.endpoint("we_1").await.unwrap().unwrap();
    assert!(!ep.enabled);
    assert!(ep.disabled_reason.unwrap().contains("410"));
    issue(s.as_ref(), "03", t0 + 300).await;
    assert_eq!(d.tick(t0 + 10_000).await.unwrap(), 0);
    assert_eq!(rx.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn private_targets_are_refused_unless_the_endpoint_is_local() {
    let (_dir, s) = store().await;
    let rx = receiver(vec!["200 OK"]).await;
    s.insert_endpoint(&endpoint(&rx.url, "STANDARD", vec![webhook::generate_secret().unwrap()], false))
        .await
        .unwrap();
    issue(s.as_ref(), "01", 1000).await;
    let d = Dispatcher::new(s.clone(), "node-a".into(), &[]).unwrap();
    assert_eq!(d.tick(1000).await.unwrap(), 1);
    let event = &s.events("a", 1).await.unwrap()[0];
    let delivery = &s.deliveries(&event.id).await.unwrap()[0];
    assert_eq!((delivery.state.as_str(), delivery.final_notice_at), ("FAILED", None), "not retried");
    let log = s.attempts(&delivery.id).await.unwrap();
    let why = log[0].error.as_deref().unwrap();
    assert!(why.contains("127.0.0.1 is a loopback address") && why.contains("--local"), "{why}");
    assert!(rx.seen.lock().unwrap().is_empty(), "nothing was sent");

    // Marked local and replayed: delivered.
    let mut ep = s.endpoint("we_1").await.unwrap().unwrap();
    ep.allow_local = true;
    s.update_endpoint(&ep).await.unwrap();
    assert_eq!(s.replay_event(&event.id, 1001).await.unwrap(), 1);
    assert_eq!(d.tick(1001).await.unwrap(), 1);
    assert_eq!(s.deliveries(&event.id).await.unwrap()[0].state, "DELIVERED");
    assert_eq!(rx.seen.lock().unwrap().len(), 1);
}
