//! Reverse-proxy routes.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::routing::{any, get as route_get};
use hyper::Method;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::common::*;

/// A plain-HTTP upstream on 127.0.0.1 that reports what it received.
pub async fn upstream() -> SocketAddr {
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
        .route("/base/api-partner/v1/up/big", route_get(|| async { "x".repeat(3 * 1024 * 1024) }))
        .route(
            "/base/api-partner/v1/up/peer",
            route_get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.port().to_string() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap()
    });
    addr
}

pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn routes(up: SocketAddr) -> String {
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

#[tokio::test]
async fn upstream_connections_are_kept_alive_and_reused() {
    let up = upstream().await;
    let s = Server::start_with(&routes(up));
    let id = s.app_with_cert("prox", &[]);
    let c = s.client(Some(&id));
    let mut ports = Vec::new();
    for _ in 0..10 {
        let r = get(&c, &s.gateway_url("/api-partner/v1/up/peer")).await.unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
        ports.push(String::from_utf8(r.body.to_vec()).unwrap());
    }
    let distinct: BTreeSet<&String> = ports.iter().collect();
    assert_eq!(distinct.len(), 1, "ten requests in a row share one upstream connection: {ports:?}");
}

/// An upstream that answers one request per connection and then closes it without saying so
/// (as an upstream's idle timeout does): the gateway must notice and open a new connection
/// rather than fail the next request.
#[tokio::test]
async fn an_upstream_closing_its_connections_is_reconnected() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let up = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if read_http_head(&mut sock).await.is_none() {
                    return;
                }
                let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
                // Dropped: closed with no `Connection: close`.
            });
        }
    });
    let s = Server::start_with(&format!(
        "[[route]]\nprefix = \"/api-partner/v1/up/\"\nupstream = \"http://{up}\"\n"
    ));
    let id = s.app_with_cert("prox", &[]);
    let c = s.client(Some(&id));
    for i in 0..5 {
        let r = get(&c, &s.gateway_url("/api-partner/v1/up/x")).await.unwrap();
        assert_eq!((i, r.status.as_u16(), &r.body[..]), (i, 200, &b"ok"[..]), "{}", s.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 5, "one new connection per request");
}

/// A chunked request body (no Content-Length to refuse up front) that grows past the limit while
/// it streams to the upstream is a 413, not an upstream failure.
#[tokio::test]
async fn a_streamed_body_over_the_limit_is_refused_mid_stream() {
    if !require("curl") {
        return;
    }
    let up = upstream().await;
    let s = Server::start_with(&routes(up));
    let id = s.app_with_cert("prox", &[]);
    let body = s.dir.path().join("big-body");
    std::fs::write(&body, vec![b'a'; 200_000]).unwrap();
    let ca = s.data_dir().join("ca.pem");
    let out = tokio::task::spawn_blocking({
        let (cert, key, url) = (id.cert_path(), id.key_path(), s.gateway_url("/api-partner/v1/up/headers"));
        move || {
            Command::new("curl")
                .args(["-sS", "--http1.1", "-H", "Transfer-Encoding: chunked", "--data-binary"])
                .arg(format!("@{}", body.display()))
                .arg("--cacert")
                .arg(&ca)
                .arg("--cert")
                .arg(&cert)
                .arg("--key")
                .arg(&key)
                .arg("-w")
                .arg("\n%{http_code}")
                .arg(&url)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (body, code) = stdout.rsplit_once('\n').unwrap();
    assert_eq!(code, "413", "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["error"]["errorCode"], "PAYLOAD_TOO_LARGE", "{v}");
}
