//! Reverse-proxy routes.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::{any, get as route_get};
use hyper::Method;
use serde_json::json;

use crate::common::*;

/// A plain-HTTP upstream on 127.0.0.1 that reports what it received.
pub async fn upstream() -> std::net::SocketAddr {
    let app = Router::new()
        .route(
            "/base/api-partner/v1/up/headers",
            any(|method: Method, uri: axum::http::Uri, headers: HeaderMap, body: Bytes| async move {
                let mut h = BTreeMap::new();
                for (k, v) in &headers {
                    h.entry(k.as_str().to_owned()).or_insert_with(Vec::new).push(v.to_str().unwrap_or("").to_owned());
                }
                axum::Json(json!({
                    "resultType": "SUCCESS",
                    "success": {"method": method.as_str(), "uri": uri.to_string(), "headers": h, "bodyLen": body.len()}
                }))
            }),
        )
        .route(
            "/base/api-partner/v1/up/slow",
            route_get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "late"
            }),
        )
        .route("/base/api-partner/v1/up/big", route_get(|| async { "x".repeat(3 * 1024 * 1024) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn routes(up: std::net::SocketAddr) -> String {
    format!(
        "[gateway]\nmax_body_bytes = 65536\n\
         [[route]]\nprefix = \"/api-partner/v1/up/\"\nupstream = \"http://{up}/base\"\ntimeout_ms = 700\n\
         [[route]]\nprefix = \"/api-partner/v1/down/\"\nupstream = \"http://127.0.0.1:{}\"\n",
        closed_port()
    )
}

#[tokio::test]
async fn proxy_adds_identity_and_strips_spoofed_headers() {
    let up = upstream().await;
    let s = Server::start_with(&routes(up));
    let id = s.app_with_cert("prox", &[]);
    let c = s.client(Some(&id));
    let r = c
        .send(
            Method::POST,
            &s.gateway_url("/api-partner/v1/up/headers?x=1&y=%20"),
            &[
                ("x-intoss-app", "evil"),
                ("X-Intoss-Cert-Serial", "00"),
                ("x-intoss-other", "1"),
                ("x-toss-user-key", "42"),
            ],
            Some(br#"{"k":"v"}"#.to_vec()),
        )
        .await
        .unwrap();
    let v = json(&r);
    assert_eq!(r.status, 200, "{v}");
    let got = &v["success"];
    assert_eq!(got["method"], "POST");
    assert_eq!(got["uri"], "/base/api-partner/v1/up/headers?x=1&y=%20");
    assert_eq!(got["headers"]["x-intoss-app"], json!(["prox"]), "exactly one, ours");
    assert_eq!(got["headers"]["x-intoss-cert-serial"], json!([id.serial]));
    assert!(got["headers"].get("x-intoss-other").is_none());
    assert_eq!(got["headers"]["x-toss-user-key"], json!(["42"]), "other headers pass");
    assert_eq!(got["headers"]["x-forwarded-for"], json!(["127.0.0.1"]));
    assert_eq!(got["bodyLen"], 9);
}

#[tokio::test]
async fn upstream_failures_and_limits_are_envelopes() {
    let up = upstream().await;
    let s = Server::start_with(&routes(up));
    let id = s.app_with_cert("prox", &[]);
    let c = s.client(Some(&id));

    let r = get(&c, &s.gateway_url("/api-partner/v1/down/anything")).await.unwrap();
    assert_fail(&r, 502, "UPSTREAM_UNAVAILABLE");

    let r = get(&c, &s.gateway_url("/api-partner/v1/up/slow")).await.unwrap();
    assert_fail(&r, 504, "UPSTREAM_TIMEOUT");

    let r = c
        .send(Method::POST, &s.gateway_url("/api-partner/v1/up/headers"), &[], Some(vec![b'a'; 70_000]))
        .await
        .unwrap();
    assert_fail(&r, 413, "PAYLOAD_TOO_LARGE");

    // Responses stream through whatever their size.
    let r = get(&c, &s.gateway_url("/api-partner/v1/up/big")).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 3 * 1024 * 1024);

    // An unrouted path under the same API root is a gateway 404.
    assert_fail(&get(&c, &s.gateway_url("/api-partner/v1/elsewhere")).await.unwrap(), 404, "NOT_FOUND");
}
