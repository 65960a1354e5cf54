//! Events and webhooks end to end: the real binary's outbox delivering the events of real changes
//! (a certificate issued and revoked) and sample events, signed (Standard Webhooks) and checked by
//! the SDK and by the independent Python `standardwebhooks` package, a secret rotation, the SSRF
//! guard, the delivery log, offline verification, `intoss listen` and `intoss trigger`, and a
//! SIGKILL between commit and delivery.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use intoss_client::webhook::WebhookVerifier;
use serde_json::{Value, json};

use crate::common::*;

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Capture {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Capture {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

pub type Captures = Arc<Mutex<Vec<Capture>>>;

/// A receiver on 127.0.0.1 answering 204; its first `hang_first` requests are never answered.
pub async fn receiver(hang_first: usize) -> (String, Captures) {
    let got: Captures = Arc::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (seen, calls) = (seen.clone(), calls.clone());
            async move {
                seen.lock().unwrap().push(Capture { headers, body: body.to_vec() });
                if calls.fetch_add(1, Ordering::SeqCst) < hang_first {
                    std::future::pending::<()>().await;
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// Waits until the receiver has `n` deliveries.
pub async fn wait_for(got: &Captures, n: usize, within: Duration) -> Vec<Capture> {
    let deadline = Instant::now() + within;
    loop {
        let now = got.lock().unwrap().clone();
        if now.len() >= n {
            return now;
        }
        assert!(Instant::now() < deadline, "{} of {n} deliveries within {within:?}", now.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Verifies captures with the Python `standardwebhooks` package; one line per capture.
fn python_verify(dir: &std::path::Path, captures: &[Capture], secret: &str) -> Vec<String> {
    let list: Vec<Value> = captures
        .iter()
        .map(|c| {
            let headers: serde_json::Map<String, Value> =
                c.headers.iter().map(|(n, v)| (n.as_str().to_owned(), json!(v.to_str().unwrap()))).collect();
            json!({"headers": headers, "body": String::from_utf8(c.body.clone()).unwrap()})
        })
        .collect();
    let file = dir.join("captures.json");
    std::fs::write(&file, serde_json::to_vec(&list).unwrap()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/webhook_verify.py");
    let out = Command::new("python3").arg(script).arg(&file).arg(secret).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

fn python_ready() -> bool {
    if !require("python3") {
        return false;
    }
    let ok =
        Command::new("python3").args(["-c", "import standardwebhooks"]).status().is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var("INTOSS_REQUIRE_INTEROP").as_deref() != Ok("1"),
        "python3 -m pip install standardwebhooks"
    );
    ok
}

/// Adds a local endpoint through the CLI; answers (id, secret).
pub fn add_endpoint(s: &Server, app: &str, url: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["webhook", "add", app, "--url", url, "--local", "--json"];
    args.extend_from_slice(extra);
    let made: Value = serde_json::from_str(&s.cli_ok(&args)).unwrap();
    (made["endpoint"]["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn events_of_real_changes_are_signed_and_verified_by_the_sdk_and_python_through_a_rotation() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "shop"]);
    let (url, got) = receiver(0).await;

    // The SSRF guard at creation: a loopback target needs --local, and says so.
    let refused = s.cli(&["webhook", "add", "shop", "--url", &url]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("127.0.0.1 is a loopback address") && why.contains("--local"), "{why}");
    // Ordered: one delivery at a time, oldest event first (an unordered endpoint gets a batch
    // concurrently, in any order).
    let (endpoint, secret) = add_endpoint(&s, "shop", &url, &["--ordered"]);
    assert!(secret.starts_with("whsec_"));

    // Real changes: a certificate issued and revoked; and a sample payment event.
    let id = s.issue("shop");
    let serial = id.serial.clone();
    s.cli_ok(&["cert", "revoke", &serial, "--reason", "keyCompromise"]);
    s.cli_ok(&["trigger", "PAYMENT_STATUS_CHANGED", "--app", "shop"]);
    let three = wait_for(&got, 3, Duration::from_secs(15)).await;
    let types: Vec<String> = three.iter().map(|c| c.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, ["CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED", "PAYMENT_STATUS_CHANGED"], "in order");
    assert_eq!(three[1].json()["data"]["serial"].as_str().unwrap(), serial);
    assert_eq!(three[1].json()["data"]["reason"], "keyCompromise");
    assert_eq!(three[2].json()["data"]["sample"], true);

    let sdk = WebhookVerifier::new(secret.clone());
    for c in &three {
        let e = sdk.verify(&c.headers, &c.body).unwrap();
        assert!(e.id.starts_with("evt_"));
        assert_eq!(c.header("webhook-id"), e.id);
    }
    let forged = WebhookVerifier::new(intoss_proto::webhook::generate_secret().unwrap());
    assert!(forged.verify(&three[0].headers, &three[0].body).is_err());
    if python_ready() {
        assert_eq!(
            python_verify(s.dir.path(), &three, &secret),
            ["CERTIFICATE_ISSUED", "CERTIFICATE_REVOKED", "PAYMENT_STATUS_CHANGED"]
        );
    }

    // Offline verification of a capture, and of a tampered one (exit 1 with the reason).
    let (hfile, bfile) = (s.dir.path().join("h.txt"), s.dir.path().join("b.json"));
    let head: String =
        three[0].headers.iter().map(|(n, v)| format!("{}: {}\n", n, v.to_str().unwrap())).collect();
    std::fs::write(&hfile, head).unwrap();
    std::fs::write(&bfile, &three[0].body).unwrap();
    let (h, b) = (hfile.to_str().unwrap(), bfile.to_str().unwrap());
    let ok = s.cli_ok(&["webhook", "verify", "--secret", &secret, "--headers", h, "--body", b]);
    assert!(ok.contains("verified: event evt_") && ok.contains("CERTIFICATE_ISSUED"), "{ok}");
    std::fs::write(&bfile, [&three[0].body[..], b" "].concat()).unwrap();
    let bad = s.cli(&["webhook", "verify", "--secret", &secret, "--headers", h, "--body", b]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no signature matches"));

    // Rotation: both secrets sign until the old one is retired.
    let rotated = s.cli_ok(&["webhook", "rotate", &endpoint]);
    let new_secret = rotated.split_whitespace().find(|w| w.starts_with("whsec_")).unwrap().to_owned();
    s.cli_ok(&["trigger", "LOGIN_UNLINKED", "--app", "shop"]);
    let during = wait_for(&got, 4, Duration::from_secs(15)).await[3..].to_vec();
    assert_eq!(during[0].header("webhook-signature").split(' ').count(), 2);
    WebhookVerifier::new(secret.clone()).verify(&during[0].headers, &during[0].body).unwrap();
    WebhookVerifier::new(new_secret.clone()).verify(&during[0].headers, &during[0].body).unwrap();
    s.cli_ok(&["webhook", "retire", &endpoint]);
    s.cli_ok(&["trigger", "ORDER_STATUS_CHANGED", "--app", "shop"]);
    let after = wait_for(&got, 5, Duration::from_secs(15)).await[4..].to_vec();
    assert!(WebhookVerifier::new(secret.clone()).verify(&after[0].headers, &after[0].body).is_err());
    WebhookVerifier::new(new_secret.clone()).verify(&after[0].headers, &after[0].body).unwrap();
    if python_ready() {
        let both = [during[0].clone(), after[0].clone()];
        assert_eq!(
            python_verify(s.dir.path(), &both, &new_secret),
            ["LOGIN_UNLINKED", "ORDER_STATUS_CHANGED"]
        );
        let old = python_verify(s.dir.path(), &both, &secret);
        assert_eq!(old[0], "LOGIN_UNLINKED");
        assert!(old[1].starts_with("REFUSED"), "{old:?}");
    }

    // The delivery log: every event delivered at its first attempt, with the answer's head.
    let log: Value = serde_json::from_str(&s.cli_ok(&["webhook", "log", "shop", "--json"])).unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 5);
    for e in log {
        let d = &e["deliveries"][0];
        assert_eq!((d["state"].as_str(), d["attempts"].as_i64()), (Some("DELIVERED"), Some(1)), "{e}");
        assert_eq!(d["log"][0]["status"], 204);
        assert!(d["log"][0]["response_head"].as_str().unwrap().contains("204"));
    }
    let shown = s.cli_ok(&["webhook", "show", log[0]["id"].as_str().unwrap()]);
    assert!(shown.contains("DELIVERED after 1 attempt(s)") && shown.contains("HTTP 204"), "{shown}");
    // The URL's path is never logged (it may carry a secret).
    assert!(!s.log().contains("/hook"), "the log names the host only");
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_forwards_an_apps_events_with_the_same_secret_across_restarts() {
    let s = Server::start();
    s.cli_ok(&["app", "create", "shop"]);
    let (url, got) = receiver(0).await;

    let start_listen = || {
        let mut child = Command::new(bin())
            .args(["listen", "--app", "shop", "--forward-to", &url, "--data-dir"])
            .arg(s.data_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let secret = loop {
            let line = lines.next().expect("listen printed its secret").unwrap();
            if let Some(s) = line.split_whitespace().find(|w| w.starts_with("whsec_")) {
                break s.to_owned();
            }
        };
        // Keep reading its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        (child, secret)
    };
    let (mut first, secret) = start_listen();
    s.cli_ok(&["trigger", "LOGIN_UNLINKED", "--app", "shop"]);
    let one = wait_for(&got, 1, Duration::from_secs(20)).await;
    let e = WebhookVerifier::new(secret.clone()).verify(&one[0].headers, &one[0].body).unwrap();
    assert_eq!(e.event_type, "LOGIN_UNLINKED");
    assert_eq!(e.data["userKey"], 443731104);
    // The listener reports the answer after forwarding: wait for that before stopping it (a
    // listener stopped before its report leaves the delivery leased, then delivered again).
    let admin = s.admin();
    let deadline = Instant::now() + Duration::from_secs(10);
    while admin.event(&e.id).await.unwrap().deliveries[0].state != "DELIVERED" {
        assert!(Instant::now() < deadline, "the listener did not report the delivery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().unwrap();
    first.wait().unwrap();

    // Events while nobody listens wait; a new listener gets them, with the same secret.
    s.cli_ok(&["trigger", "PROMOTION_RESULT", "--app", "shop"]);
    let (mut second, again) = start_listen();
    assert_eq!(again, secret, "the signing secret stays the same across restarts");
    let two = wait_for(&got, 2, Duration::from_secs(40)).await;
    let e = WebhookVerifier::new(secret).verify(&two[1].headers, &two[1].body).unwrap();
    assert_eq!(e.event_type, "PROMOTION_RESULT");
    second.kill().unwrap();
    second.wait().unwrap();

    // trigger refuses an unknown type, naming the known ones.
    let bad = s.cli(&["trigger", "NOPE", "--app", "shop"]);
    assert!(!bad.status.success());
    let why = String::from_utf8_lossy(&bad.stderr);
    assert!(why.contains("INVALID_PARAMETER") && why.contains("PAYMENT_STATUS_CHANGED"), "{why}");
    let list: Value = serde_json::from_str(&s.cli_ok(&["webhook", "list", "shop", "--json"])).unwrap();
    assert_eq!(list[0]["kind"], "LISTEN");
    assert_eq!(list[0]["url"].as_str(), Some(url.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_committed_before_a_sigkill_is_delivered_after_the_restart() {
    let mut s = Server::start();
    s.cli_ok(&["app", "create", "shop"]);
    // The first request is never answered: the platform is killed mid-attempt.
    let (url, got) = receiver(1).await;
    add_endpoint(&s, "shop", &url, &[]);
    let id = s.issue("shop");
    let serial = id.serial.clone();
    wait_for(&got, 1, Duration::from_secs(15)).await;
    s.kill9();
    s.spawn();

    // After the lease of the killed attempt, the restarted platform delivers it.
    let admin = s.admin();
    let deadline = Instant::now() + Duration::from_secs(60);
    let event = loop {
        let events = admin.events("shop", None).await.unwrap().events;
        let issued = events.into_iter().find(|e| e.event_type == "CERTIFICATE_ISSUED").unwrap();
        if issued.deliveries[0].state == "DELIVERED" {
            break issued;
        }
        assert!(Instant::now() < deadline, "not delivered after the restart: {issued:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let d = &event.deliveries[0];
    assert_eq!(d.log.len(), 2, "{d:?}");
    assert_eq!(
        (d.log[0].finished_at.as_deref(), d.log[0].status),
        (None, None),
        "#1 interrupted by the kill"
    );
    assert_eq!(d.log[1].status, Some(204));
    let seen = got.lock().unwrap().clone();
    assert_eq!(seen.len(), d.log.len(), "one request per attempt in the log");
    assert!(seen.iter().all(|c| c.header("webhook-id") == event.id), "the same webhook-id both times");
    assert_eq!(seen[1].json()["data"]["serial"].as_str().unwrap(), serial);
}

/// Every refusal of the events admin API is a FAIL envelope with the documented code (and a
/// reason starting with the field at fault for a bad parameter).
#[tokio::test(flavor = "multi_thread")]
async fn the_events_admin_api_refuses_bad_input_with_clear_errors() {
    use intoss_client::ClientError;
    use intoss_proto::api::events::{CreateEndpoint, PatchEndpoint, PullResult};
    /// (status, errorCode, the reason's first word: the field at fault).
    fn bad<T: std::fmt::Debug>(r: Result<T, ClientError>) -> (u16, String, Option<String>) {
        match r {
            Err(ClientError::Api(f)) => (f.status, f.code, f.reason.split(':').next().map(str::to_owned)),
            other => panic!("expected a FAIL envelope, got {other:?}"),
        }
    }
    let s = Server::start();
    s.cli_ok(&["app", "create", "shop"]);
    let admin = s.admin();
    let create = |url: &str, format: Option<&str>, types: Vec<&str>| CreateEndpoint {
        url: url.into(),
        format: format.map(Into::into),
        event_types: Some(types.into_iter().map(Into::into).collect()),
        local: None,
        ordered: None,
    };
    let ok_url = "https://hooks.example.com/x";
    assert_eq!(
        bad(admin.create_endpoint("shop", &create(ok_url, None, vec!["NOPE"])).await),
        (400, "INVALID_PARAMETER".into(), Some("event_types".into()))
    );
    assert_eq!(
        bad(admin.create_endpoint("shop", &create(ok_url, Some("XML"), vec![])).await),
        (400, "INVALID_PARAMETER".into(), Some("format".into()))
    );
    assert_eq!(
        bad(admin.create_endpoint("shop", &create("http://10.0.0.5/x", None, vec![])).await),
        (400, "INVALID_PARAMETER".into(), Some("url".into()))
    );
    assert_eq!(bad(admin.create_endpoint("ghost", &create(ok_url, None, vec![])).await).0, 404);

    let made = admin.create_endpoint("shop", &create(ok_url, None, vec![])).await.unwrap();
    let id = made.endpoint.id;
    let to_private = PatchEndpoint { url: Some("http://169.254.169.254/".into()), ..Default::default() };
    assert_eq!(
        bad(admin.update_endpoint(&id, &to_private).await),
        (400, "INVALID_PARAMETER".into(), Some("url".into()))
    );
    assert_eq!(admin.endpoint(&id).await.unwrap().url, ok_url, "a refused change changes nothing");
    assert_eq!(bad(admin.retire_secret(&id).await).1, "INVALID_STATE", "one secret: nothing to retire");
    assert_eq!(bad(admin.pull(&id, 0).await).1, "INVALID_STATE", "not a listen endpoint");
    assert_eq!(bad(admin.endpoint("we_nope").await).0, 404);
    assert_eq!(bad(admin.replay_event("evt_nope").await).0, 404);
    assert_eq!(
        bad(admin.replay_failed("shop", "yesterday").await),
        (400, "INVALID_PARAMETER".into(), Some("since".into()))
    );

    // A pulled delivery's report: it must say what happened, and only its holder may report.
    let listen = admin.listen("shop", &Default::default()).await.unwrap();
    let event = admin.trigger_event("shop", "ORDER_STATUS_CHANGED").await.unwrap();
    let pulled = admin.pull(&listen.endpoint.id, 5).await.unwrap().deliveries;
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].event_id, event.id);
    let d = &pulled[0].delivery_id;
    let empty = PullResult { attempt: pulled[0].attempt, status: None, error: None, latency_ms: None };
    assert_eq!(bad(admin.report_delivery(d, &empty).await).1, "INVALID_PARAMETER");
    let stale =
        PullResult { attempt: pulled[0].attempt + 1, status: Some(204), error: None, latency_ms: None };
    assert_eq!(bad(admin.report_delivery(d, &stale).await).1, "INVALID_STATE", "not this attempt");
    assert_eq!(bad(admin.report_delivery("evt_nope:we_nope", &stale).await).0, 404);
    let done = PullResult { attempt: pulled[0].attempt, status: Some(204), error: None, latency_ms: Some(3) };
    assert_eq!(admin.report_delivery(d, &done).await.unwrap().state, "DELIVERED");
    assert_eq!(bad(admin.report_delivery(d, &done).await).1, "INVALID_STATE", "reported once");
}
