//! Cluster mode: two `intoss serve` nodes sharing one PostgreSQL and one Redis on loopback.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intoss_client::ClientError;
use serde_json::Value;

use crate::common::*;

struct Cluster {
    a: Server,
    b: Server,
    redis: intoss_testsupport::Redis,
}

fn cluster() -> Option<Cluster> {
    let pg = intoss_testsupport::postgres()?;
    let redis = intoss_testsupport::redis()?;
    let config = format!(
        "[storage]\nurl = \"{}\"\n[ratelimit]\nbackend = \"{}\"\nnodes = 2\n",
        pg.createdb(),
        redis.url()
    );
    let a = Server::start_with(&config);
    let b = Server::start_node_of(&a, &config);
    Some(Cluster { a, b, redis })
}

async fn whoami(s: &Server, c: &intoss_client::HttpsClient) -> Result<intoss_client::Response, ClientError> {
    get(c, &s.gateway_url("/api-partner/v1/whoami")).await
}

/// Waits until `f` holds, up to `limit`; returns how long it took.
async fn within<F, Fut>(limit: Duration, mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if f().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_revocation_on_one_node_reaches_the_other_within_two_seconds() {
    let Some(c) = cluster() else { return };
    let id = c.a.app_with_cert("spread", &[]);
    // The new certificate reaches B.
    let took = within(Duration::from_secs(3), || async {
        whoami(&c.b, &c.b.client(Some(&id))).await.is_ok_and(|r| r.status == 200)
    })
    .await;
    assert!(took < Duration::from_secs(2), "new certificate took {took:?}");
    // An open keep-alive connection on B.
    let open = c.b.client(Some(&id));
    assert_eq!(whoami(&c.b, &open).await.unwrap().status, 200);

    let revoked_at = Instant::now();
    c.a.cli_ok(&["cert", "revoke", &id.serial]);
    within(Duration::from_secs(3), || async {
        matches!(whoami(&c.b, &open).await, Ok(r) if r.status == 401)
    })
    .await;
    let open_refused = revoked_at.elapsed();
    let msg = c.b.assert_refused_in_handshake(&id).await;
    assert!(msg.contains("revoked"), "{msg}");
    assert!(open_refused < Duration::from_secs(2), "open connection refused after {open_refused:?}");
    assert!(
        revoked_at.elapsed() < Duration::from_secs(2),
        "new handshakes refused after {:?}",
        revoked_at.elapsed()
    );

    // A QPM change travels too.
    c.b.cli_ok(&["app", "set", "spread", "--qpm", "77"]);
    let other = c.a.issue("spread");
    within(Duration::from_secs(2), || async {
        whoami(&c.a, &c.a.client(Some(&other))).await.is_ok_and(|r| json(&r)["success"]["qpmLimit"] == 77)
    })
    .await;
}

#[tokio::test]
async fn the_rate_limit_holds_across_both_nodes() {
    let Some(c) = cluster() else { return };
    let id = c.a.app_with_cert("shared-limit", &["--qpm", "20"]);
    within(Duration::from_secs(3), || async {
        whoami(&c.b, &c.b.client(Some(&id))).await.is_ok_and(|r| r.status == 200)
    })
    .await;
    // That probe used one of the 20.
    let (ca, cb) = (c.a.client(Some(&id)), c.b.client(Some(&id)));
    let mut admitted = 1;
    for i in 0..40 {
        let (node, client) = if i % 2 == 0 { (&c.a, &ca) } else { (&c.b, &cb) };
        let r = whoami(node, client).await.unwrap();
        match r.status.as_u16() {
            200 => admitted += 1,
            429 => {
                assert_fail(&r, 429, "TOO_MANY_REQUESTS");
            }
            other => panic!("unexpected {other}"),
        };
    }
    assert_eq!(admitted, 20, "exactly the limit over both nodes, the whole burst admitted");
}

#[tokio::test]
async fn redis_down_means_a_local_share_and_redis_back_means_shared_again() {
    let Some(mut c) = cluster() else { return };
    let id = c.a.app_with_cert("fallback", &["--qpm", "10"]);
    let client = c.a.client(Some(&id));
    assert_eq!(whoami(&c.a, &client).await.unwrap().status, 200);
    c.redis.stop();
    let mut admitted = 0;
    for _ in 0..12 {
        if whoami(&c.a, &client).await.unwrap().status == 200 {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5, "10 per minute / 2 nodes while Redis is down, never unlimited");
    let text = metrics(&c.a).await;
    assert!(text.contains("intoss_ratelimit_fallback_active 1"), "{text}");
    assert!(c.a.log().contains("Redis unavailable"), "said in the log");

    c.redis.start();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    // Back on Redis: the shared counter (a fresh window, since Redis restarted empty) decides.
    assert_eq!(whoami(&c.a, &client).await.unwrap().status, 200);
    assert!(metrics(&c.a).await.contains("intoss_ratelimit_fallback_active 0"));
}

async fn metrics(s: &Server) -> String {
    let token = std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap();
    let r = s
        .client(None)
        .send(
            hyper::Method::GET,
            &format!("https://{}/metrics", s.endpoints.console),
            &[("authorization", &format!("Bearer {}", token.trim()))],
            None,
        )
        .await
        .unwrap();
    String::from_utf8(r.body.to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_result_calls_over_both_nodes_yield_exactly_two() {
    let Some(c) = cluster() else { return };
    c.a.cli_ok(&["app", "create", "idv-cluster"]);
    let created: Value =
        serde_json::from_str(&c.a.cli_ok(&["idv", "client", "create", "--app", "idv-cluster", "--json"]))
            .unwrap();
    let key = std::fs::read(c.a.data_dir().join("idv-public-key.pem")).unwrap();
    let node = |s: &Server| {
        std::sync::Arc::new(
            intoss_client::idv::IdvClient::sandbox(
                &format!("https://{}", s.endpoints.cert),
                &s.ca_pem(),
                &key,
                created["client_id"].as_str().unwrap(),
                created["client_secret"].as_str().unwrap(),
            )
            .unwrap(),
        )
    };
    let (ia, ib) = (node(&c.a), node(&c.b));
    // B learns about the client within the poll interval.
    within(Duration::from_secs(3), || async { ib.access_token().await.is_ok() }).await;
    let tx = ia.request_one_touch("intoss://x").await.unwrap().tx_id;
    c.b.cli_ok(&["idv", "complete", &tx]);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100 {
        let (client, tx) = (if i % 2 == 0 { ia.clone() } else { ib.clone() }, tx.clone());
        tasks.spawn(async move { client.result(&tx).await });
    }
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(_) => ok += 1,
            Err(ClientError::Api(f)) => assert_eq!(f.code, "CE3101"),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(ok, 2);
}

#[tokio::test]
async fn killing_one_node_under_load_loses_no_acknowledged_write() {
    let Some(mut c) = cluster() else { return };
    let admin_a = c.a.admin();
    let id = c.a.app_with_cert("survivor", &["--qpm", "100000"]);
    within(Duration::from_secs(3), || async {
        whoami(&c.b, &c.b.client(Some(&id))).await.is_ok_and(|r| r.status == 200)
    })
    .await;
    // Writes acknowledged by A, traffic served by B, then A dies mid-stream.
    let mut acknowledged = Vec::new();
    let traffic = c.b.client(Some(&id));
    for i in 0..30 {
        if i == 15 {
            c.a.kill9();
        }
        if let Ok(app) = admin_a.create_app(&CreateApp::named(format!("w{i}"))).await {
            acknowledged.push(app.name);
        }
        assert_eq!(whoami(&c.b, &traffic).await.unwrap().status, 200, "B keeps serving");
    }
    assert_eq!(acknowledged.len(), 15);
    let listed: Value = serde_json::from_str(&c.b.cli_ok(&["app", "list", "--json"])).unwrap();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    for a in &acknowledged {
        assert!(names.contains(&a.as_str()), "{a} was acknowledged by A and must be there");
    }
}

/// A TCP link to PostgreSQL that a test can cut (every open connection dropped, new ones closed
/// at once) and restore: a node cut off from its database while the database stays up.
struct Link {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Link {
    async fn to(target: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (is_up, conns) = (up.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !is_up.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                conns.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { port, up, open }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for conn in self.open.lock().unwrap().drain(..) {
            conn.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Fail closed: a node that cannot re-read certificates and revocations from PostgreSQL for
/// `max_staleness_ms` answers 503 SERVICE_UNAVAILABLE instead of admitting on an old view (a
/// certificate revoked on another node meanwhile must not get in), while the node that still
/// reaches the database serves; once the link is back, the node serves again. Multi-threaded: the
/// link must carry node B's queries while the test thread waits on B's start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_postgres_refuses_requests_until_it_is_back() {
    let Some(pg) = intoss_testsupport::postgres() else { return };
    let url = pg.createdb();
    let link = Link::to(pg.port).await;
    let via_link = url.replace(&format!(":{}/", pg.port), &format!(":{}/", link.port));
    assert_ne!(url, via_link);
    let config = |url: &str| format!("[storage]\nurl = \"{url}\"\n[cluster]\nmax_staleness_ms = 3000\n");
    let a = Server::start_with(&config(&url));
    let b = Server::start_node_of(&a, &config(&via_link));
    let id = a.app_with_cert("cut", &[]);
    let on_b = b.client(Some(&id));
    within(Duration::from_secs(3), || async { whoami(&b, &on_b).await.is_ok_and(|r| r.status == 200) }).await;

    let cut_at = Instant::now();
    link.cut();
    within(Duration::from_secs(8), || async { whoami(&b, &on_b).await.is_ok_and(|r| r.status == 503) }).await;
    assert!(cut_at.elapsed() >= Duration::from_secs(2), "refused before the bound: {:?}", cut_at.elapsed());
    let reason = assert_fail(&whoami(&b, &on_b).await.unwrap(), 503, "SERVICE_UNAVAILABLE");
    assert!(reason.contains("database"), "{reason}");
    let m = metrics(&b).await;
    let age: f64 =
        m.lines().find_map(|l| l.strip_prefix("intoss_snapshot_age_seconds ")).unwrap().parse().unwrap();
    assert!(age > 3.0, "the metric shows how stale B is: {m}");
    // A revocation made on A meanwhile; A, which reaches the database, applies it and serves the rest.
    let other = a.issue("cut");
    a.cli_ok(&["cert", "revoke", &id.serial]);
    let msg = a.assert_refused_in_handshake(&id).await;
    assert!(msg.contains("revoked"), "{msg}");
    assert_eq!(whoami(&a, &a.client(Some(&other))).await.unwrap().status, 200);

    link.restore();
    let on_b_other = b.client(Some(&other));
    within(Duration::from_secs(30), || async {
        whoami(&b, &on_b_other).await.is_ok_and(|r| r.status == 200)
    })
    .await;
    // Back in sight of the database, B knows the revocation.
    let r = whoami(&b, &b.client(Some(&id))).await;
    assert!(!matches!(&r, Ok(r) if r.status == 200), "B admitted the revoked certificate: {r:?}");
}

/// Toss Pay over two nodes on one PostgreSQL: 100 concurrent executions of one payToken, half
/// to each node, complete it exactly once with one PAY transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_executions_over_both_nodes_complete_a_payment_once() {
    use intoss_client::pay::PayClient;
    let Some(c) = cluster() else { return };
    let id = c.a.app_with_cert("pay-cluster", &["--qpm", "100000"]);
    within(Duration::from_secs(3), || async {
        whoami(&c.b, &c.b.client(Some(&id))).await.is_ok_and(|r| r.status == 200)
    })
    .await;
    let key = crate::pay::user_key(&c.a, "pay-cluster", "kim-toss").await;
    let (pa, pb) =
        (PayClient::new(crate::pay::partner(&c.a, &id)), PayClient::new(crate::pay::partner(&c.b, &id)));
    let made = pa.make(key, &crate::pay::payment("cluster-1", 12_000)).await.unwrap();
    c.b.cli_ok(&["sim", "pay", "approve", &made.pay_token]);
    assert_eq!(crate::pay::concurrent_executions(&[pa, pb], key, &made.pay_token, 100).await, (1, 99));
    let st = crate::pay::pay_status(&c.b, &id, key, &made.pay_token).await;
    assert_eq!((st.pay_status.as_str(), st.transactions.len()), ("PAY_COMPLETE", 1));
}

/// Sixty events emitted through both nodes' admin APIs reach the receiver once each: the two
/// delivery workers claim under leases with `FOR UPDATE SKIP LOCKED`, so no event gets two
/// workers, and each delivery's log has one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_deliver_each_event_exactly_once() {
    let Some(c) = cluster() else { return };
    c.a.cli_ok(&["app", "create", "hooks"]);
    let (url, got) = crate::events::receiver(0).await;
    crate::events::add_endpoint(&c.a, "hooks", &url, &[]);
    let (aa, ab) = (c.a.admin(), c.b.admin());
    for i in 0..60 {
        let node = if i % 2 == 0 { &aa } else { &ab };
        node.trigger_event("hooks", "PAYMENT_STATUS_CHANGED").await.unwrap();
    }
    crate::events::wait_for(&got, 60, Duration::from_secs(30)).await;
    // Time for a duplicate to show up, if a second worker had one.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = got.lock().unwrap().clone();
    let mut ids: Vec<String> = seen.iter().map(|c| c.header("webhook-id").to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((seen.len(), ids.len()), (60, 60), "each of 60 events once");
    let events = aa.events("hooks", Some(100)).await.unwrap().events;
    assert_eq!(events.len(), 60);
    for e in events {
        let d = &e.deliveries[0];
        assert_eq!((d.state.as_str(), d.attempts, d.log.len()), ("DELIVERED", 1, 1), "{e:?}");
    }
}
