//! Sandbox controls (issue 20): faults injected into an app's gateway answers, by path prefix
//! and probability, through `intoss fault` and the admin API, seen by a real mTLS client.

use std::time::{Duration, Instant};

use hyper::Method;
use intoss_proto::api::sandbox::{FaultAction, NewFault};
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn a_fault_at_probability_one_half_hits_about_half_of_a_thousand_calls() {
    let s = Server::start();
    let id = s.app_with_cert("flaky", &[]);
    let gw = s.client(Some(&id));
    let whoami = s.gateway_url("/api-partner/v1/whoami");
    let out = s.cli_ok(&[
        "fault",
        "add",
        "--app",
        "flaky",
        "--path",
        "/api-partner/v1/whoami",
        "--p",
        "0.5",
        "--fail",
        "INTERNAL_ERROR",
        "--reason",
        "chaos",
        "--json",
    ]);
    let fault: Value = serde_json::from_str(&out).unwrap();
    assert!(fault["id"].as_str().unwrap().starts_with("flt_"));
    let mut failed = 0;
    for _ in 0..1000 {
        let r = get(&gw, &whoami).await.unwrap();
        assert_eq!(r.status, 200, "an injected FAIL is an HTTP 200, as the real API answers");
        let v = json(&r);
        match v["resultType"].as_str().unwrap() {
            "FAIL" => {
                assert_eq!(
                    (&v["error"]["errorCode"], &v["error"]["reason"]),
                    (&"INTERNAL_ERROR".into(), &"chaos".into())
                );
                failed += 1;
            }
            "SUCCESS" => assert_eq!(v["success"]["app"], "flaky"),
            other => panic!("{other}"),
        }
    }
    // Within 5 % of the calls of half (a binomial's sd is 15.8 here: ±50 is over 3 sd).
    assert!((450..=550).contains(&failed), "{failed} of 1000 hit at p = 0.5");
    // Another path is not a candidate.
    let r = gw
        .send(
            Method::POST,
            &s.gateway_url("/api-partner/v1/echo"),
            &[("content-type", "application/json")],
            Some(b"{}".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(json(&r)["resultType"], "SUCCESS");
}

#[tokio::test]
async fn each_fault_action_reaches_the_client_and_faults_are_listed_and_cleared() {
    let s = Server::start();
    let id = s.app_with_cert("chaos", &[]);
    s.cli_ok(&["app", "create", "calm"]);
    let admin = s.admin();
    let whoami = s.gateway_url("/api-partner/v1/whoami");
    let add = |action: FaultAction| NewFault {
        path_prefix: "/api-partner/v1/whoami".into(),
        probability: 1.0,
        action,
    };

    let f = admin
        .add_fault("chaos", &add(FaultAction::ResultType { result_type: "HTTP_TIMEOUT".into() }))
        .await
        .unwrap();
    let r = get(&s.client(Some(&id)), &whoami).await.unwrap();
    assert_eq!((r.status.as_u16(), json(&r)["resultType"].as_str()), (200, Some("HTTP_TIMEOUT")));
    admin.clear_faults("chaos", Some(&f.id)).await.unwrap();

    let f = admin.add_fault("chaos", &add(FaultAction::Latency { ms: 400, sigma: None })).await.unwrap();
    let t = Instant::now();
    let r = get(&s.client(Some(&id)), &whoami).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
    assert_eq!(json(&r)["resultType"], "SUCCESS", "a latency fault delays, then serves");
    admin.clear_faults("chaos", Some(&f.id)).await.unwrap();

    let f = admin.add_fault("chaos", &add(FaultAction::InvalidGrant)).await.unwrap();
    let r = get(&s.client(Some(&id)), &whoami).await.unwrap();
    assert_eq!((r.status.as_u16(), json(&r)), (400, serde_json::json!({"error": "invalid_grant"})));
    admin.clear_faults("chaos", Some(&f.id)).await.unwrap();

    let f = admin.add_fault("chaos", &add(FaultAction::RateLimit { retry_after_secs: 7 })).await.unwrap();
    let r = get(&s.client(Some(&id)), &whoami).await.unwrap();
    assert_fail(&r, 429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers.get("retry-after").unwrap(), "7");
    admin.clear_faults("chaos", Some(&f.id)).await.unwrap();

    // A dropped connection: no answer at all; curl says so too.
    s.cli_ok(&["fault", "add", "--app", "chaos", "--path", "/api-partner/v1/whoami", "--reset"]);
    let r = get(&s.client(Some(&id)), &whoami).await;
    assert!(matches!(r, Err(intoss_client::ClientError::Transport(_))), "{r:?}");
    if require("curl") {
        let out = std::process::Command::new("curl")
            .args(["-sS", "--cacert"])
            .arg(s.data_dir().join("ca.pem"))
            .arg("--cert")
            .arg(id.cert_path())
            .arg("--key")
            .arg(id.key_path())
            .arg(&whoami)
            .output()
            .unwrap();
        assert!(!out.status.success() && out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    }

    // Listed oldest first; the other app has none; clearing all, then nothing is injected.
    s.cli_ok(&["fault", "add", "--app", "chaos", "--fail", "4100", "--p", "0.25"]);
    let listed: Vec<Value> =
        serde_json::from_str(&s.cli_ok(&["fault", "list", "--app", "chaos", "--json"])).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["action"]["kind"], "RESET");
    assert_eq!((&listed[1]["action"]["kind"], &listed[1]["probability"]), (&"FAIL".into(), &0.25.into()));
    assert!(admin.faults("calm").await.unwrap().faults.is_empty());
    let out = s.cli_ok(&["fault", "clear", "--app", "chaos"]);
    assert!(out.contains("removed 2"), "{out}");
    assert_eq!(json(&get(&s.client(Some(&id)), &whoami).await.unwrap())["resultType"], "SUCCESS");

    // Refusals, each naming its field.
    let bad = |p: f64, action: FaultAction| NewFault {
        path_prefix: "/api-partner/".into(),
        probability: p,
        action,
    };
    for (body, field) in [
        (bad(0.0, FaultAction::Reset), "probability"),
        (bad(1.5, FaultAction::Reset), "probability"),
        (NewFault { path_prefix: "api".into(), ..bad(1.0, FaultAction::Reset) }, "path_prefix"),
        (bad(1.0, FaultAction::ResultType { result_type: "SUCCESS".into() }), "action.result_type"),
        (bad(1.0, FaultAction::Fail { error_code: "no spaces".into(), reason: None }), "action.error_code"),
        (bad(1.0, FaultAction::Latency { ms: 60_001, sigma: None }), "action.ms"),
        (bad(1.0, FaultAction::Latency { ms: 10, sigma: Some(0.0) }), "action.sigma"),
        (bad(1.0, FaultAction::RateLimit { retry_after_secs: 0 }), "action.retry_after_secs"),
    ] {
        match admin.add_fault("chaos", &body).await {
            Err(intoss_client::ClientError::Api(f)) => {
                assert_eq!((f.status, f.code.as_str()), (400, "INVALID_PARAMETER"), "{field}");
                assert!(f.reason.starts_with(field), "{field}: {}", f.reason);
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let unknown_kind =
        serde_json::json!({"path_prefix": "/", "probability": 1, "action": {"kind": "EXPLODE"}});
    let r: Result<Value, _> =
        admin.send(Method::POST, "/admin/v1/apps/chaos/faults", Some(&unknown_kind)).await;
    assert!(matches!(r, Err(intoss_client::ClientError::Api(f)) if f.code == "INVALID_PARAMETER"));
    assert!(
        matches!(admin.add_fault("ghost", &add(FaultAction::Reset)).await, Err(intoss_client::ClientError::Api(f)) if f.status == 404)
    );
    assert!(
        matches!(admin.clear_faults("chaos", Some("flt_nope")).await, Err(intoss_client::ClientError::Api(f)) if f.status == 404)
    );
    assert!(s.log_problems().is_empty(), "{:?}", s.log_problems());
}

/// The request journal: method, path without its query, status, the errorCode the platform
/// made, serial, remaining, latency — and never a personal field sent in a body, a header or a
/// query string.
#[tokio::test]
async fn the_request_journal_shows_each_call_and_no_personal_field() {
    let s = Server::start();
    let id = s.app_with_cert("journal", &[]);
    let other = s.app_with_cert("elsewhere", &[]);
    let gw = s.client(Some(&id));
    let json_header = [("content-type", "application/json")];
    // Personal data in a query string, a body and a userKey header.
    get(&gw, &s.gateway_url("/api-partner/v1/whoami?name=%ED%99%8D%EA%B8%B8%EB%8F%99&ci=SECRETCI0042"))
        .await
        .unwrap();
    let body = serde_json::json!({"name": "홍길동", "phone": "01012345678"}).to_string().into_bytes();
    gw.send(Method::POST, &s.gateway_url("/api-partner/v1/echo"), &json_header, Some(body)).await.unwrap();
    let pay = s.gateway_url("/api-partner/v1/apps-in-toss/pay/get-payment-status");
    let headers = [("content-type", "application/json"), ("x-toss-user-key", "424242")];
    let r = gw.send(Method::POST, &pay, &headers, Some(br#"{"payToken":"nope"}"#.to_vec())).await.unwrap();
    let code = json(&r)["error"]["errorCode"].as_str().unwrap().to_owned();
    get(&s.client(Some(&other)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    s.cli_ok(&["fault", "add", "--app", "journal", "--path", "/api-partner/v1/whoami", "--fail", "CHAOS_42"]);
    get(&gw, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();

    let out = s.cli_ok(&["logs", "tail", "--app", "journal", "--json", "-n", "200"]);
    assert!(
        !out.contains("홍길동")
            && !out.contains("SECRETCI")
            && !out.contains("01012345678")
            && !out.contains("424242"),
        "{out}"
    );
    let rows: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary: Vec<(String, String, u64, Option<String>)> = rows
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap(),
                r["error_code"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("GET".into(), "/api-partner/v1/whoami".into(), 200, None),
            ("POST".into(), "/api-partner/v1/echo".into(), 200, None),
            (
                "POST".into(),
                "/api-partner/v1/apps-in-toss/pay/get-payment-status".into(),
                r.status.as_u16().into(),
                Some(code)
            ),
            ("GET".into(), "/api-partner/v1/whoami".into(), 200, Some("CHAOS_42".into())),
        ],
        "this app's calls only, in order, the query string dropped"
    );
    assert!(
        rows.iter()
            .all(|r| r["cert_serial"] == id.serial.as_str() && r["latency_ms"].as_f64().unwrap() >= 0.0)
    );
    let remaining: Vec<u64> = rows.iter().map(|r| r["remaining"].as_u64().unwrap()).collect();
    assert!(remaining.windows(2).all(|w| w[1] < w[0]), "remaining counts down: {remaining:?}");

    // Polling: after the last `next`, nothing until a new call.
    let admin = s.admin();
    let log = admin.requests("journal", 0, Some(2)).await.unwrap();
    assert_eq!((log.requests.len(), log.next), (2, log.requests[1].seq));
    let all = admin.requests("journal", 0, None).await.unwrap();
    assert!(admin.requests("journal", all.next, None).await.unwrap().requests.is_empty());
    get(&gw, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(admin.requests("journal", all.next, None).await.unwrap().requests.len(), 1);
    assert!(
        matches!(admin.requests("ghost", 0, None).await, Err(intoss_client::ClientError::Api(f)) if f.status == 404)
    );
    let out = s.cli_ok(&["logs", "tail", "--app", "journal", "-n", "1"]);
    assert!(
        out.lines().count() == 1 && out.contains("GET /api-partner/v1/whoami") && out.contains(&id.serial),
        "{out}"
    );
}

/// `[gateway] journal = false`: nothing is kept (the request path skips the journal).
#[tokio::test]
async fn a_gateway_without_journal_keeps_nothing() {
    let s = Server::start_with("[gateway]\njournal = false\n");
    let id = s.app_with_cert("quiet", &[]);
    let r = get(&s.client(Some(&id)), &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    assert_eq!(json(&r)["resultType"], "SUCCESS");
    assert!(s.admin().requests("quiet", 0, None).await.unwrap().requests.is_empty());
}

#[tokio::test]
async fn a_test_mode_app_injects_faults_by_header_and_its_journal_keeps_masked_bodies() {
    let s = Server::start();
    let tester = s.app_with_cert("tester", &[]);
    let prod = s.app_with_cert("prod", &[]);
    let out = s.cli_ok(&["sandbox", "test-mode", "--app", "tester", "on"]);
    assert!(out.contains("test mode on"), "{out}");
    let echo = s.gateway_url("/api-partner/v1/echo");
    let personal = br#"{"name":"\uae40\ud1a0\uc2a4","phone":"01012345678","userKey":443731104,"orderNo":"o-1","amount":5}"#;
    let send = |id: &Identity, fault: Option<&str>| {
        let c = s.client(Some(id));
        let (echo, fault) = (echo.clone(), fault.map(str::to_owned));
        async move {
            let mut headers = vec![("content-type", "application/json")];
            if let Some(f) = &fault {
                headers.push(("x-intoss-fault", f.as_str()));
            }
            c.send(Method::POST, &echo, &headers, Some(personal.to_vec())).await
        }
    };

    // Each action by header, on this request alone.
    let r = send(&tester, Some("FAIL INTERNAL_ERROR by header")).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(json(&r)["error"], serde_json::json!({"errorCode": "INTERNAL_ERROR", "reason": "by header"}));
    let r = send(&tester, Some("RESULT_TYPE NETWORK_ERROR")).await.unwrap();
    assert_eq!(json(&r)["resultType"], "NETWORK_ERROR");
    let r = send(&tester, Some("RATE_LIMIT 7")).await.unwrap();
    assert_fail(&r, 429, "TOO_MANY_REQUESTS");
    assert_eq!(r.headers.get("retry-after").unwrap(), "7");
    let r = send(&tester, Some("INVALID_GRANT")).await.unwrap();
    assert_eq!((r.status.as_u16(), json(&r)), (400, serde_json::json!({"error": "invalid_grant"})));
    let started = Instant::now();
    let r = send(&tester, Some("LATENCY 300")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(json(&r)["resultType"], "SUCCESS", "served after the delay");
    let r = send(&tester, Some("RESET")).await;
    assert!(matches!(r, Err(intoss_client::ClientError::Transport(_))), "{r:?}");
    let r = send(&tester, Some("EXPLODE now")).await.unwrap();
    let reason = assert_fail(&r, 400, "INVALID_PARAMETER");
    assert!(reason.contains("x-intoss-fault"), "{reason}");
    let r = send(&tester, None).await.unwrap();
    assert_eq!(json(&r)["success"]["echo"]["orderNo"], "o-1", "without the header: served");

    // An app not in test mode: the header does nothing.
    let r = send(&prod, Some("FAIL INTERNAL_ERROR")).await.unwrap();
    assert_eq!(json(&r)["resultType"], "SUCCESS");

    // The journal keeps the test-mode app's bodies, masked; never the other app's.
    let log = s.admin().requests("tester", 0, None).await.unwrap().requests;
    assert_eq!(log.len(), 7, "the RESET request is not in it: {log:?}");
    let last = log.last().unwrap();
    let masked =
        serde_json::json!({"name": "***", "phone": "***", "userKey": "***", "orderNo": "o-1", "amount": 5});
    assert_eq!(last.request_body.as_ref().unwrap(), &masked);
    assert_eq!(
        last.response_body.as_ref().unwrap(),
        &serde_json::json!({"resultType": "SUCCESS", "success": {"echo": masked}})
    );
    assert_eq!(log[0].error_code.as_deref(), Some("INTERNAL_ERROR"));
    let text = serde_json::to_string(&log).unwrap();
    for personal in ["김토스", "\\uae40", "01012345678", "443731104"] {
        assert!(!text.contains(personal), "the journal shows {personal}");
    }
    let tail = s.cli_ok(&["logs", "tail", "--app", "tester", "-n", "1"]);
    assert!(tail.contains(r#"request  {"amount":5,"name":"***""#), "{tail}");
    let prod_log = s.admin().requests("prod", 0, None).await.unwrap().requests;
    assert!(prod_log[0].request_body.is_none() && prod_log[0].response_body.is_none());
    assert!(!serde_json::to_string(&prod_log).unwrap().contains("request_body"));

    // Test mode off: the header is ignored again.
    s.cli_ok(&["sandbox", "test-mode", "--app", "tester", "off"]);
    let r = send(&tester, Some("FAIL INTERNAL_ERROR")).await.unwrap();
    assert_eq!(json(&r)["resultType"], "SUCCESS");
}
