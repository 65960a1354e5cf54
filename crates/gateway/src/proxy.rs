//! Reverse-proxy routes.
//!
//! A request whose path starts with a configured prefix is forwarded to that route's upstream
//! (`upstream` base path + the full request path and query), streaming both ways over a pooled
//! keep-alive connection ([`crate::upstream`]). The gateway strips hop-by-hop headers and every client-supplied
//! `x-intoss-*` header, then adds the ones it vouches for:
//! `x-intoss-app`, `x-intoss-cert-serial`, and `x-forwarded-for` / `x-forwarded-proto`.

use std::future::Future as _;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use intoss_http::ApiError;
use intoss_http::extract::caused_by_length_limit;
use intoss_proto::ErrorCode;
use intoss_tls::ConnInfo;

use crate::upstream::Pool;
use crate::{Caller, Gateway};

/// One reverse-proxy route (`[[route]]` in the config).
#[derive(Debug, Clone)]
pub struct Route {
    /// Path prefix, starting with `/`.
    pub prefix: String,
    /// Upstream base URI (`http://host:port[/base]`).
    pub upstream: http::Uri,
    /// Time allowed for the upstream's response headers, and between body frames.
    pub timeout: std::time::Duration,
}

/// Headers that belong to one hop and are never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// The gateway's fallback for an admitted request: a proxy route if one matches, else 404.
pub async fn proxy_or_not_found(p: &Gateway, caller: &Caller, info: &ConnInfo, req: Request) -> Response {
    let path = req.uri().path();
    let route = p.routes.iter().position(|r| path.starts_with(&r.prefix));
    match route.and_then(|i| Some((&p.routes[i], p.upstream.pool(i)?))) {
        Some((route, pool)) => {
            forward(p, route, pool, caller, info, req).await.unwrap_or_else(IntoResponse::into_response)
        }
        None => ApiError::not_found(format!("no API at {path}")).into_response(),
    }
}

async fn forward(
    p: &Gateway,
    route: &Route,
    pool: &Arc<Pool>,
    caller: &Caller,
    info: &ConnInfo,
    req: Request,
) -> Result<Response, ApiError> {
    let limit = p.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body is larger than {limit} bytes"),
        ));
    }
    let peer = info.peer.ip().to_canonical();
    let (mut parts, body) = req.into_parts();

    // Origin-form: the upstream's base path, then the request's own path and query.
    let base = route.upstream.path().trim_end_matches('/');
    let path_and_query =
        parts.uri.path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
    parts.uri = if base.is_empty() {
        Uri::from(path_and_query)
    } else {
        format!("{base}{path_and_query}")
            .parse()
            .map_err(|_| ApiError::invalid("the request path cannot be forwarded"))?
    };
    parts.version = http::Version::HTTP_11;

    strip(&mut parts.headers);
    parts.headers.remove(header::HOST);
    let intoss: Vec<HeaderName> =
        parts.headers.keys().filter(|k| k.as_str().starts_with("x-intoss-")).cloned().collect();
    for k in intoss {
        parts.headers.remove(k);
    }
    let set = |h: &mut HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set(&mut parts.headers, "x-intoss-app", &caller.app.name);
    set(&mut parts.headers, "x-intoss-cert-serial", &caller.client.serial);
    if let Some(v) = ip_value(peer) {
        parts.headers.insert(HeaderName::from_static("x-forwarded-for"), v);
    }
    set(&mut parts.headers, "x-forwarded-proto", "https");

    let body = Body::new(http_body_util::Limited::new(body, limit));
    let upstream_req = Request::from_parts(parts, body);
    let resp = match tokio::time::timeout(route.timeout, pool.send(upstream_req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => {
            if caused_by_length_limit(&e) {
                return Err(ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is larger than {limit} bytes"),
                ));
            }
            tracing::warn!(route = %route.prefix, error = %e, "upstream unavailable");
            return Err(ApiError::new(
                ErrorCode::UpstreamUnavailable,
                format!("the upstream of {} is unavailable", route.prefix),
            ));
        }
        Err(_) => {
            return Err(ApiError::new(
                ErrorCode::UpstreamTimeout,
                format!(
                    "the upstream of {} did not answer within {} ms",
                    route.prefix,
                    route.timeout.as_millis()
                ),
            ));
        }
    };
    let (mut parts, body) = resp.into_parts();
    strip(&mut parts.headers);
    Ok(Response::from_parts(parts, Body::new(StallGuard::new(body, route.timeout))))
}

/// The upstream's response body, cut when no frame arrives for the route's timeout: an upstream
/// that stalls mid-body must not hold the client (and a connection slot) forever. The client sees
/// the stream end abnormally (HTTP/1.1: the connection closes before the declared length or the
/// last chunk; HTTP/2: RST_STREAM), never a shorter body passed off as whole.
struct StallGuard<B> {
    inner: B,
    idle: std::time::Duration,
    /// Made the first time the body has to wait (a small response never does), and moved on
    /// when it next waits after a frame.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// A frame arrived since the deadline was last set.
    moved: bool,
}

impl<B> StallGuard<B> {
    fn new(inner: B, idle: std::time::Duration) -> Self {
        Self { inner, idle, deadline: None, moved: false }
    }
}

impl<B> http_body::Body for StallGuard<B>
where
    B: http_body::Body<Data = bytes::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = bytes::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.moved = true;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let next = || tokio::time::Instant::now() + this.idle;
        let deadline = match &mut this.deadline {
            Some(d) => {
                if this.moved {
                    d.as_mut().reset(next());
                }
                d
            }
            None => this.deadline.insert(Box::pin(tokio::time::sleep_until(next()))),
        };
        this.moved = false;
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::warn!("upstream stopped sending its response body; cutting the stream");
                Poll::Ready(Some(Err("the upstream stopped sending its response body".into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Drops the hop-by-hop headers and those named by `Connection`. One pass over the headers finds
/// what is there (usually nothing, or `Connection` alone): a hashed removal per hop-by-hop name
/// cost ~3,600 instructions per proxied request (callgrind, docs/performance.md).
fn strip(headers: &mut HeaderMap) {
    let mut hop = headers.keys().filter(|k| HOP_BY_HOP.contains(k));
    match (hop.next(), hop.next()) {
        (None, _) => return,
        // The usual case (an upstream's `Connection: keep-alive`): nothing else to look for.
        (Some(k), None) if *k == header::CONNECTION && connection_names_no_header(headers) => {
            headers.remove(header::CONNECTION);
            return;
        }
        _ => {}
    }
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    let doomed: Vec<HeaderName> =
        headers.keys().filter(|k| HOP_BY_HOP.contains(k) || named.contains(k)).cloned().collect();
    for k in doomed {
        headers.remove(k);
    }
}

/// Whether every `Connection` option is `keep-alive` or `close`, which name no header that could
/// be present but the hop-by-hop ones.
fn connection_names_no_header(headers: &HeaderMap) -> bool {
    headers.get_all(header::CONNECTION).iter().all(|v| {
        v.as_bytes().split(|&b| b == b',').all(|o| {
            let o = o.trim_ascii();
            o.eq_ignore_ascii_case(b"keep-alive") || o.eq_ignore_ascii_case(b"close")
        })
    })
}

/// `ip` as a header value. IPv4, the usual case, is written out here: `to_string()` went through
/// the formatting machinery, about 1,300 instructions per proxied request (callgrind).
fn ip_value(ip: IpAddr) -> Option<HeaderValue> {
    match ip {
        IpAddr::V4(v4) => {
            let mut buf = [0u8; 15];
            let mut n = 0;
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    buf[n] = b'.';
                    n += 1;
                }
                if octet >= 100 {
                    buf[n] = b'0' + octet / 100;
                    n += 1;
                }
                if octet >= 10 {
                    buf[n] = b'0' + octet / 10 % 10;
                    n += 1;
                }
                buf[n] = b'0' + octet % 10;
                n += 1;
            }
            HeaderValue::from_bytes(&buf[..n]).ok()
        }
        IpAddr::V6(v6) => HeaderValue::from_str(&v6.to_string()).ok(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn strip_drops_hop_by_hop_headers_and_those_connection_names() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("connection", "close, X-Secret-Hop"),
            ("x-secret-hop", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "keep-alive"),
            ("te", "trailers"),
            ("trailer", "x-t"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "h2c"),
            ("content-type", "application/json"),
            ("x-kept", "yes"),
        ] {
            h.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        strip(&mut h);
        let mut left: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-type", "x-kept"]);

        // `Connection: keep-alive` alone, and with an option naming a header.
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("Keep-Alive"));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        strip(&mut h);
        assert_eq!(h.keys().collect::<Vec<_>>(), [header::CONTENT_TYPE]);
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-hop"));
        h.insert(HeaderName::from_static("x-hop"), HeaderValue::from_static("1"));
        strip(&mut h);
        assert!(h.is_empty(), "{h:?}");

        // Nothing to strip: untouched.
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        strip(&mut h);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn ip_values_match_display() {
        for ip in ["0.0.0.0", "255.255.255.255", "10.0.100.9", "1.20.3.40", "127.0.0.1", "::1", "2001:db8::5"]
        {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_value(ip).unwrap().to_str().unwrap(), ip.to_string());
        }
    }
}
