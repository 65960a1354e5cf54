//! Gateway behaviour: envelopes, rate limit, allowlist, body limits.

use hyper::Method;

use crate::common::*;

#[tokio::test]
async fn every_gateway_error_is_an_envelope() {
    let s = Server::start_with("[gateway]\nmax_body_bytes = 1024\n");
    let id = s.app_with_cert("env", &[]);
    let c = s.client(Some(&id));

    let r = get(&c, &s.gateway_url("/api-partner/v1/nope")).await.unwrap();
    assert_fail(&r, 404, "NOT_FOUND");
    let r = get(&c, &s.gateway_url("/")).await.unwrap();
    assert_fail(&r, 404, "NOT_FOUND");

    let whoami = s.gateway_url("/api-partner/v1/whoami");
    let r = c.send(Method::POST, &whoami, &[], Some(b"{}".to_vec())).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.headers["allow"], "GET,HEAD");
    let echo = s.gateway_url("/api-partner/v1/echo");
    let r = get(&c, &echo).await.unwrap();
    assert_fail(&r, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(r.headers["allow"], "POST");

    // HEAD: GET's status and headers, no body.
    let full = get(&c, &whoami).await.unwrap();
    let head = c.send(Method::HEAD, &whoami, &[], None).await.unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{:?}", head.body);
    assert_eq!(head.headers["content-type"], "application/json");
    assert_eq!(head.headers["content-length"], full.body.len().to_string().as_str());

    let r = c.send(Method::POST, &echo, &[], Some(br#"{"a":1}"#.to_vec())).await.unwrap();
    assert_eq!(json(&r)["success"]["echo"]["a"], 1);

    let r = c.send(Method::POST, &echo, &[], Some(b"{not json".to_vec())).await.unwrap();
    let reason = assert_fail(&r, 400, "INVALID_PARAMETER");
    assert!(reason.contains("JSON"), "{reason}");

    let r =
        c.send(Method::POST, &echo, &[("content-type", "text/plain")], Some(b"{}".to_vec())).await.unwrap();
    assert_fail(&r, 415, "UNSUPPORTED_MEDIA_TYPE");

    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2000));
    let r = c.send(Method::POST, &echo, &[], Some(big.into_bytes())).await.unwrap();
    assert_fail(&r, 413, "PAYLOAD_TOO_LARGE");

    // Still serving on the same connection after all of that.
    assert_eq!(get(&c, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap().status, 200);
}

#[tokio::test]
async fn rate_limit_admits_the_burst_then_refuses_with_retry_after() {
    let s = Server::start();
    let a = s.app_with_cert("limited", &["--qpm", "5"]);
    let a2 = s.issue("limited");
    let b = s.app_with_cert("other", &["--qpm", "5"]);
    let url = s.gateway_url("/api-partner/v1/whoami");
    // Per app, not per certificate or connection: two certificates share the 5.
    for i in 0..5 {
        let c = if i % 2 == 0 { s.client(Some(&a)) } else { s.client(Some(&a2)) };
        let r = get(&c, &url).await.unwrap();
        assert_eq!(r.status, 200, "request {i} of the burst");
        assert_eq!(json(&r)["success"]["remaining"], 4 - i);
    }
    let r = get(&s.client(Some(&a2)), &url).await.unwrap();
    assert_fail(&r, 429, "TOO_MANY_REQUESTS");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((59..=61).contains(&retry), "Retry-After {retry}");
    // Another app is not affected.
    assert_eq!(get(&s.client(Some(&b)), &url).await.unwrap().status, 200);

    // Raising the QPM ("QPM 상향") applies at once.
    s.cli_ok(&["app", "set", "limited", "--qpm", "7"]);
    assert_eq!(get(&s.client(Some(&a)), &url).await.unwrap().status, 200);
    assert_eq!(get(&s.client(Some(&a)), &url).await.unwrap().status, 200);
    assert_fail(&get(&s.client(Some(&a)), &url).await.unwrap(), 429, "TOO_MANY_REQUESTS");
}

#[tokio::test]
async fn ip_allowlist_refuses_other_addresses() {
    let s = Server::start();
    let id = s.app_with_cert("fenced", &["--allow-ip", "10.0.0.0/8", "--allow-ip", "117.52.3.80~87"]);
    let url = s.gateway_url("/api-partner/v1/whoami");
    let r = get(&s.client(Some(&id)), &url).await.unwrap();
    let reason = assert_fail(&r, 403, "IP_NOT_ALLOWED");
    assert!(reason.contains("127.0.0.1"), "{reason}");

    s.cli_ok(&["app", "set", "fenced", "--allow-ip", "127.0.0.1~5"]);
    assert_eq!(get(&s.client(Some(&id)), &url).await.unwrap().status, 200);

    s.cli_ok(&["app", "set", "fenced", "--allow-ip", "127.0.0.2/32"]);
    assert_fail(&get(&s.client(Some(&id)), &url).await.unwrap(), 403, "IP_NOT_ALLOWED");

    s.cli_ok(&["app", "set", "fenced", "--allow-any-ip"]);
    assert_eq!(get(&s.client(Some(&id)), &url).await.unwrap().status, 200);

    // A bad entry is refused with the reason, and nothing changes.
    let out = s.cli(&["app", "set", "fenced", "--allow-ip", "10.0.0.1/8"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("INVALID_PARAMETER") && err.contains("10.0.0.0/8"), "{err}");
    assert_eq!(get(&s.client(Some(&id)), &url).await.unwrap().status, 200);
}
