//! Admitting inbound callbacks only from Toss's addresses.
//!
//! Apps-in-Toss sends callbacks (e.g. payment results) from the inbound IPs of seed 001, and
//! Toss Payments webhooks come from those of seed 000. [`SourceIpGuardLayer`] wraps an axum or
//! tower service and answers 403 with a FAIL envelope to any other source.
//!
//! The source is the TCP peer (`axum::extract::ConnectInfo<SocketAddr>`; serve with
//! `into_make_service_with_connect_info`). Behind a reverse proxy, opt in with
//! [`SourceIpGuardLayer::trust_forwarded_from`]: only when the peer is one of those proxies is
//! `X-Forwarded-For` read, right to left, skipping trusted proxies. Without the peer address
//! the request is refused (fail closed).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use intoss_proto::IpAllowlist;
use tower::{Layer, Service};

/// The address a request comes from, given the TCP peer and the trusted proxies.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: Option<&IpAllowlist>) -> IpAddr {
    let peer = peer.to_canonical();
    let Some(proxies) = trusted_proxies.filter(|p| !p.is_empty()) else { return peer };
    if !proxies.admits(peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // The rightmost address not added by one of our proxies is the client. An entry that is not
    // a bare address ends the walk: whatever lies left of it cannot be trusted, so the proxy
    // itself counts as the source (and is refused unless allowlisted).
    for entry in entries.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(a) if proxies.admits(a.to_canonical()) => continue,
            Ok(a) => return a.to_canonical(),
            Err(_) => return peer,
        }
    }
    peer
}

/// A layer admitting requests only from `allow`.
#[derive(Debug, Clone)]
pub struct SourceIpGuardLayer {
    allow: Arc<IpAllowlist>,
    trusted_proxies: Option<Arc<IpAllowlist>>,
}

impl SourceIpGuardLayer {
    /// Admits only addresses in `allow` (an empty list admits nobody here: a guard that lets
    /// everyone in is a mistake).
    pub fn new(allow: IpAllowlist) -> Self {
        Self { allow: Arc::new(allow), trusted_proxies: None }
    }

    /// Admits only the inbound addresses of the Apps-in-Toss and Toss Payments tables.
    pub fn toss_inbound() -> Self {
        Self::new(intoss_proto::network::inbound_allowlist(&[
            intoss_proto::network::Service::AppsInToss,
            intoss_proto::network::Service::TossPayments,
        ]))
    }

    /// Reads `X-Forwarded-For` when the peer is one of `proxies`.
    pub fn trust_forwarded_from(mut self, proxies: IpAllowlist) -> Self {
        self.trusted_proxies = Some(Arc::new(proxies));
        self
    }

    fn admits(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Result<(), IpAddr> {
        let Some(peer) = peer else { return Err(IpAddr::from([0, 0, 0, 0])) };
        let ip = client_ip(peer, headers, self.trusted_proxies.as_deref());
        if !self.allow.is_empty() && self.allow.admits(ip) { Ok(()) } else { Err(ip) }
    }
}

impl<S> Layer<S> for SourceIpGuardLayer {
    type Service = SourceIpGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SourceIpGuard { inner, guard: self.clone() }
    }
}

/// The service of [`SourceIpGuardLayer`].
#[derive(Debug, Clone)]
pub struct SourceIpGuard<S> {
    inner: S,
    guard: SourceIpGuardLayer,
}

impl<S, B> Service<Request<B>> for SourceIpGuard<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        match self.guard.admits(peer, req.headers()) {
            Ok(()) => Box::pin(self.inner.call(req)),
            Err(ip) => {
                tracing::warn!(source = %ip, "callback refused: not from a Toss address");
                let body = serde_json::json!({
                    "resultType": "FAIL",
                    "error": {"errorCode": "IP_NOT_ALLOWED", "reason": format!("{ip} is not a Toss callback address")}
                });
                Box::pin(async move { Ok((StatusCode::FORBIDDEN, axum::Json(body)).into_response()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_is_read_only_from_trusted_proxies() {
        let proxies = IpAllowlist::parse(&["10.0.0.0/8"]).unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "117.52.3.81, 10.0.0.7".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.1"), &h, Some(&proxies)), ip("117.52.3.81"));
        // Not from a trusted proxy: the header is ignored (it could be forged).
        assert_eq!(client_ip(ip("203.0.113.9"), &h, Some(&proxies)), ip("203.0.113.9"));
        // No opt-in: never read.
        assert_eq!(client_ip(ip("10.0.0.1"), &h, None), ip("10.0.0.1"));
        // A client that prepends a fake address does not win: the rightmost untrusted one does.
        h.insert("x-forwarded-for", "117.52.3.11, 198.51.100.4, 10.0.0.7".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.1"), &h, Some(&proxies)), ip("198.51.100.4"));
        // An entry with a port (or anything unparsable) stops the walk: the proxy is the source.
        h.insert("x-forwarded-for", "117.52.3.11, 198.51.100.4:443".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.1"), &h, Some(&proxies)), ip("10.0.0.1"));
    }

    #[test]
    fn toss_inbound_admits_the_seed_addresses_only() {
        let g = SourceIpGuardLayer::toss_inbound();
        let none = HeaderMap::new();
        for ok in ["117.52.3.11", "117.52.3.80", "117.52.3.87", "106.249.5.84", "13.124.18.147"] {
            assert!(g.admits(Some(ip(ok)), &none).is_ok(), "{ok}");
        }
        for bad in ["117.52.3.88", "127.0.0.1", "8.8.8.8"] {
            assert!(g.admits(Some(ip(bad)), &none).is_err(), "{bad}");
        }
        assert!(g.admits(None, &none).is_err(), "no peer address: refused");
        assert!(SourceIpGuardLayer::new(IpAllowlist::default()).admits(Some(ip("1.2.3.4")), &none).is_err());
    }
}
