//! The web console's server side: sign-in, session cookie, CSRF, page headers and weight,
//! overview statistics. (The browser test drives the page itself: tests/browser.)

use hyper::Method;
use serde_json::{Value, json};

use crate::common::*;

struct Page {
    http: intoss_client::HttpsClient,
    base: String,
}

impl Page {
    fn new(s: &Server) -> Self {
        Self { http: s.client(None), base: format!("https://{}", s.endpoints.console) }
    }

    async fn send(
        &self,
        m: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> intoss_client::Response {
        self.http
            .send(m, &format!("{}{path}", self.base), headers, body.map(|b| b.to_string().into_bytes()))
            .await
            .unwrap()
    }
}

fn token(s: &Server) -> String {
    std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap().trim().to_owned()
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_csrf_guards_writes() {
    let s = Server::start();
    let p = Page::new(&s);
    // Wrong token: refused, no cookie.
    let r = p.send(Method::POST, "/console/login", &[], Some(json!({"token": "nope"}))).await;
    assert_fail(&r, 401, "UNAUTHORIZED");
    assert!(r.headers.get("set-cookie").is_none());

    let r = p.send(Method::POST, "/console/login", &[], Some(json!({"token": token(&s)}))).await;
    assert_eq!(r.status, 200);
    let csrf = json(&r)["success"]["csrf"].as_str().unwrap().to_owned();
    let cookie_header = r.headers["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie_header.contains(attr), "{attr} in {cookie_header}");
    }
    let cookie = cookie_header.split(';').next().unwrap().to_owned();

    // Reads with the cookie work; the session tells the CSRF token and the endpoints.
    let r = p.send(Method::GET, "/console/session", &[("cookie", &cookie)], None).await;
    let v = json(&r);
    assert_eq!(v["success"]["csrf"], csrf.as_str());
    assert_eq!(v["success"]["endpoints"]["gateway"], s.endpoints.gateway.to_string());
    let r = p.send(Method::GET, "/admin/v1/apps", &[("cookie", &cookie)], None).await;
    assert_eq!(r.status, 200);

    // A forged cross-site POST: the cookie alone (no CSRF header, or a wrong one) is refused.
    for headers in
        [vec![("cookie", cookie.as_str())], vec![("cookie", cookie.as_str()), ("x-intoss-csrf", "forged")]]
    {
        let r = p.send(Method::POST, "/admin/v1/apps", &headers, Some(json!({"name": "forged"}))).await;
        assert_fail(&r, 403, "FORBIDDEN");
    }
    let apps = p.send(Method::GET, "/admin/v1/apps", &[("cookie", &cookie)], None).await;
    assert_eq!(json(&apps)["success"]["apps"], json!([]), "nothing was created");
    // With the header it works.
    let r = p
        .send(
            Method::POST,
            "/admin/v1/apps",
            &[("cookie", &cookie), ("x-intoss-csrf", &csrf)],
            Some(json!({"name": "real"})),
        )
        .await;
    assert_eq!(r.status, 201);

    // Sign out: the cookie is dead.
    let r =
        p.send(Method::POST, "/console/logout", &[("cookie", &cookie), ("x-intoss-csrf", &csrf)], None).await;
    assert_eq!(r.status, 200);
    assert_fail(
        &p.send(Method::GET, "/admin/v1/apps", &[("cookie", &cookie)], None).await,
        401,
        "UNAUTHORIZED",
    );
    let r = p.send(Method::GET, "/console/session", &[("cookie", &cookie)], None).await;
    assert_eq!(json(&r)["success"]["signed_in"], false);
    // A made-up cookie is nobody.
    let fake = "intoss_console=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    assert_fail(
        &p.send(Method::GET, "/admin/v1/stats", &[("cookie", fake)], None).await,
        401,
        "UNAUTHORIZED",
    );
}

#[tokio::test]
async fn every_api_route_refuses_without_a_session_and_pages_are_strict_and_small() {
    let s = Server::start();
    let p = Page::new(&s);
    for (m, path) in [
        (Method::GET, "/admin/v1/apps"),
        (Method::GET, "/admin/v1/stats"),
        (Method::GET, "/admin/v1/certs"),
        (Method::GET, "/admin/v1/idv/clients"),
        (Method::GET, "/admin/v1/idv/transactions"),
        (Method::POST, "/admin/v1/idv/transactions/x/complete"),
        (Method::GET, "/metrics"),
        (Method::POST, "/console/logout"),
    ] {
        let r = p.send(m.clone(), path, &[], Some(json!({}))).await;
        assert_fail(&r, 401, "UNAUTHORIZED");
    }
    // The page asks whether it is signed in at every load: a plain "no".
    let r = p.send(Method::GET, "/console/session", &[], None).await;
    assert_eq!(json(&r)["success"], json!({"signed_in": false}));
    let mut weight = 0;
    for path in ["/", "/login", "/simulator/abc", "/console.js", "/console.css"] {
        let r = p.send(Method::GET, path, &[], None).await;
        assert_eq!(r.status, 200, "{path}");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(r.headers["x-frame-options"], "DENY");
        if path == "/" || path.starts_with("/console.") {
            weight += r.body.len();
        }
        // Nothing from another origin (the CSP would block it too).
        let text = String::from_utf8_lossy(&r.body);
        for external in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!text.contains(external), "{path} loads nothing external ({external})");
        }
    }
    // No framework, no bundle: the whole page (HTML, script, styles) is 124 KiB uncompressed with
    // the partner APIs' sections, the events tab and the simulator (33 KiB under gzip -9; 77 KiB
    // before them).
    assert!(weight < 150 * 1024, "page weight {weight} bytes");
}

#[tokio::test]
async fn the_overview_counts_requests_and_refusals_per_app() {
    let s = Server::start();
    let id = s.app_with_cert("counted", &["--qpm", "3"]);
    let c = s.client(Some(&id));
    for _ in 0..5 {
        let _ = get(&c, &s.gateway_url("/api-partner/v1/whoami")).await.unwrap();
    }
    let stats = s.admin().call(Method::GET, "/admin/v1/stats", None).await.unwrap();
    let app = stats["apps"].as_array().unwrap().iter().find(|a| a["app"] == "counted").unwrap().clone();
    let sum = |k: &str| app[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum::<u64>();
    assert_eq!((sum("requests"), sum("limited")), (3, 2));
    assert_eq!(app["requests"].as_array().unwrap().len(), 60);
}

/// `/metrics` has each usable certificate's end of validity and each app's days left; a revoked
/// certificate leaves it.
#[tokio::test]
async fn metrics_show_each_certificates_expiry_and_each_apps_days_left() {
    let s = Server::start();
    let id = s.app_with_cert("gauged", &[]);
    let token = std::fs::read_to_string(s.data_dir().join("admin-token")).unwrap();
    let auth = format!("Bearer {}", token.trim());
    let metrics = || async {
        let r = s
            .client(None)
            .send(
                Method::GET,
                &format!("https://{}/metrics", s.endpoints.console),
                &[("authorization", &auth)],
                None,
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        String::from_utf8(r.body.to_vec()).unwrap()
    };
    let text = metrics().await;
    let line =
        format!("intoss_certificate_expiry_timestamp_seconds{{app=\"gauged\",serial=\"{}\"}} ", id.serial);
    let not_after: i64 = text
        .lines()
        .find_map(|l| l.strip_prefix(&line))
        .unwrap_or_else(|| panic!("no gauge for the certificate in:\n{text}"))
        .parse()
        .unwrap();
    let days = (not_after - intoss_core_now()) / 86_400;
    assert!((389..=390).contains(&days), "390-day certificates: {days}");
    assert!(text.contains(&format!("intoss_app_certificate_days_left{{app=\"gauged\"}} {days}")), "{text}");
    s.cli_ok(&["cert", "revoke", &id.serial]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while metrics().await.contains(&line) {
        assert!(std::time::Instant::now() < deadline, "a revoked certificate stays in /metrics");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!metrics().await.contains("intoss_app_certificate_days_left{app=\"gauged\"}"));
}

fn intoss_core_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
