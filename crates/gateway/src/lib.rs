//! The mTLS partner gateway (`/api-partner/...`): the gateway listener's service.
//!
//! [`handle`] admits every request first: the connection's certificate must map to a known, active
//! certificate of an existing app (checked again per request, so a revocation reaches open
//! connections); the peer address must be on the app's allowlist; the app's rate limit must
//! admit it. Then it reaches a built-in route or a configured proxy route ([`proxy`]). Every
//! response the gateway itself makes is an envelope.
//!
//! [`Gateway`] holds only what the request path needs: the snapshot of apps and certificates,
//! the limiter, the request statistics it records, and the routes. [`tls`] builds the
//! listener's mTLS config, rebuilt whole when the certificates change.

mod faults;
mod login;
mod messages;
mod pay;
mod promotions;
pub mod proxy;
mod renew;
pub mod tls;
pub mod upstream;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use intoss_core::{AppEntry, RequestStats, Snapshots, rfc3339, unix_now};
use intoss_http::{ApiError, ApiJson, BodyLimit, Conn, success};
use intoss_proto::ErrorCode;
use intoss_proto::api::gateway::{Echo, WhoAmI};
use intoss_ratelimit::{Decision, RateLimiter};
use intoss_tls::{ClientIdentity, ConnInfo};
use serde_json::Value;

pub use proxy::Route;

/// The gateway's state: what admission and the routes need, nothing else.
pub struct Gateway {
    snapshots: Arc<Snapshots>,
    limiter: Arc<dyn RateLimiter>,
    stats: Arc<RequestStats>,
    routes: Vec<Route>,
    upstream: upstream::UpstreamClient,
    max_body_bytes: usize,
    max_staleness: Option<Duration>,
    journal: bool,
    login: Option<Arc<intoss_login::LoginService>>,
    pay: Option<Arc<intoss_pay::PayService>>,
    iap: Option<Arc<intoss_pay::IapService>>,
    messages: Option<Arc<intoss_messages::MessageService>>,
    promotions: Option<Arc<intoss_promotions::PromotionService>>,
    renewal: Option<Arc<intoss_core::Registry>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("routes", &self.routes).finish_non_exhaustive()
    }
}

/// How the gateway is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Reverse-proxy routes, longest prefix first.
    pub routes: Vec<Route>,
    /// Largest request body read or forwarded.
    pub max_body_bytes: usize,
    /// How old the snapshot may get before requests are refused with 503 (a cluster node cut
    /// off from its database); `None`: no bound.
    pub max_staleness: Option<Duration>,
    /// Whether to keep the request journal (`RequestStats::journal`).
    pub journal: bool,
}

impl Gateway {
    /// The gateway over `snapshots`, admitting with `limiter` and counting into `stats`.
    pub fn new(
        snapshots: Arc<Snapshots>,
        limiter: Arc<dyn RateLimiter>,
        stats: Arc<RequestStats>,
        settings: Settings,
    ) -> Self {
        Self {
            upstream: upstream::UpstreamClient::new(&settings.routes),
            routes: settings.routes,
            max_body_bytes: settings.max_body_bytes,
            max_staleness: settings.max_staleness,
            journal: settings.journal,
            snapshots,
            limiter,
            stats,
            login: None,
            pay: None,
            iap: None,
            messages: None,
            promotions: None,
            renewal: None,
        }
    }

    /// Serves certificate renewal ([`RENEW`]) with `registry`; without it that path goes to the
    /// proxy routes like any other.
    pub fn with_renewal(mut self, registry: Arc<intoss_core::Registry>) -> Self {
        self.renewal = Some(registry);
        self
    }

    /// Serves Toss Login (`/api-partner/v1/apps-in-toss/user/oauth2/...`) with `login`; without
    /// it those paths go to the proxy routes like any other.
    pub fn with_login(mut self, login: Arc<intoss_login::LoginService>) -> Self {
        self.login = Some(login);
        self
    }

    /// Serves Toss Pay (`/api-partner/v1/apps-in-toss/pay/...`) with `pay`; without it those
    /// paths go to the proxy routes like any other.
    pub fn with_pay(mut self, pay: Arc<intoss_pay::PayService>) -> Self {
        self.pay = Some(pay);
        self
    }

    /// Serves in-app purchase (`/api-partner/v1/apps-in-toss/order/...`) with `iap`; without it
    /// those paths go to the proxy routes like any other.
    pub fn with_iap(mut self, iap: Arc<intoss_pay::IapService>) -> Self {
        self.iap = Some(iap);
        self
    }

    /// Serves messages (`/api-partner/v1/apps-in-toss/messenger/...`) with `messages`; without
    /// it those paths go to the proxy routes like any other.
    pub fn with_messages(mut self, messages: Arc<intoss_messages::MessageService>) -> Self {
        self.messages = Some(messages);
        self
    }

    /// Serves promotions (`/api-partner/v1/apps-in-toss/promotion/...`) with `promotions`;
    /// without it those paths go to the proxy routes like any other.
    pub fn with_promotions(mut self, promotions: Arc<intoss_promotions::PromotionService>) -> Self {
        self.promotions = Some(promotions);
        self
    }
}

impl BodyLimit for Gateway {
    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }
}

/// The gateway as a listener's service.
#[derive(Debug, Clone)]
pub struct GatewayService(pub Arc<Gateway>);

impl intoss_http::Service for GatewayService {
    fn call(&self, conn: &Arc<Conn>, req: http::Request<Incoming>) -> impl Future<Output = Response> + Send {
        handle(&self.0, conn, req.map(Body::new))
    }
}

/// Who is calling, established when [`handle`] admits a request. Shares the snapshot's and the connection's entries:
/// nothing is copied per request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The app, as of the snapshot the request was admitted with.
    pub app: Arc<AppEntry>,
    /// The connection's client certificate.
    pub client: Arc<ClientIdentity>,
    /// Certificate end of validity, Unix seconds.
    pub not_after: i64,
    /// Requests left in the current window after this one.
    pub remaining: u32,
}

/// The path of the built-in identity check.
pub const WHOAMI: &str = "/api-partner/v1/whoami";
/// The path of the built-in JSON echo.
pub const ECHO: &str = "/api-partner/v1/echo";
/// The path of certificate renewal over mTLS.
pub const RENEW: &str = "/api-partner/v1/certificates/renew";

/// Serves one gateway request: admission first (identity, revocation, expiry, allowlist, rate
/// limit, in that order), then the app's injected faults if it has any, then whoami, echo, Toss Login, Toss Pay, in-app purchase, messages, certificate renewal, promotions, a
/// proxy route, or 404 — every
/// answer of the gateway's own an envelope.
///
/// Dispatched by hand rather than through an axum `Router` with a `from_fn` layer: the router,
/// the middleware and their boxed futures and cloned services cost about 5,000 instructions per
/// request, a fifth of a whoami request (callgrind, docs/performance.md). What the router did
/// besides is kept: `HEAD` on whoami (the GET response's headers, with its `content-length`, and
/// no body), and 405 with `Allow` on a built-in path with another method.
pub async fn handle(p: &Arc<Gateway>, conn: &Conn, req: Request) -> Response {
    let caller = match admit(p, &conn.info).await {
        Ok(caller) => caller,
        Err((err, close)) => {
            if close {
                conn.control.close();
            }
            return err.into_response();
        }
    };
    if !p.journal {
        return dispatch(p, conn, &caller, req).await;
    }
    if caller.app.test_mode {
        // Bodies kept, masked: buffered both ways, boxed off the common path.
        return Box::pin(journal_with_bodies(p, conn, &caller, req)).await;
    }
    // The request journal (`intoss logs tail`): method, path without its query, status, code.
    // The method and the path are shared, not copied (a `PathAndQuery` clone is a reference count).
    let started = std::time::Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path_and_query().cloned());
    let resp = dispatch(p, conn, &caller, req).await;
    journal(p, &caller, &method, path.as_ref(), &resp, started, None);
    resp
}

/// Largest answer body the journal keeps for a test-mode app; a longer or streamed one is noted.
const MAX_JOURNAL_BODY: u64 = 64 * 1024;

/// A test-mode app's request, journaled with its bodies, masked ([`intoss_core::masked_body`]).
async fn journal_with_bodies(p: &Arc<Gateway>, conn: &Conn, caller: &Caller, req: Request) -> Response {
    use http_body_util::BodyExt as _;
    let started = std::time::Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path_and_query().cloned());
    let (parts, body) = req.into_parts();
    let bytes = match intoss_http::extract::read_body(body, p.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => {
            let resp = e.into_response();
            journal(p, caller, &method, path.as_ref(), &resp, started, None);
            return resp;
        }
    };
    let request = intoss_core::masked_body(&bytes);
    let resp = dispatch(p, conn, caller, Request::from_parts(parts, Body::from(bytes))).await;
    let (parts, body) = resp.into_parts();
    let (body, response) = match http_body::Body::size_hint(&body).exact() {
        Some(n) if n <= MAX_JOURNAL_BODY => match body.collect().await {
            Ok(c) => {
                let b = c.to_bytes();
                let masked = intoss_core::masked_body(&b);
                (Body::from(b), masked)
            }
            Err(_) => (Body::empty(), Value::from("(unreadable)")),
        },
        _ => (body, Value::from("(streamed or longer than 64 KiB, not kept)")),
    };
    let resp = Response::from_parts(parts, body);
    let bodies = Some(Box::new(intoss_core::JournalBodies { request, response }));
    journal(p, caller, &method, path.as_ref(), &resp, started, bodies);
    resp
}

/// Adds an answered request to its app's journal.
fn journal(
    p: &Gateway,
    caller: &Caller,
    method: &Method,
    path: Option<&http::uri::PathAndQuery>,
    resp: &Response,
    started: std::time::Instant,
    bodies: Option<Box<intoss_core::JournalBodies>>,
) {
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    p.stats.journal(
        &caller.app.name,
        intoss_core::Answered {
            at_ms,
            method,
            path: path.map_or("/", |p| p.path()),
            status: resp.status().as_u16(),
            error_code: resp.extensions().get::<intoss_http::ErrorTag>().map(|t| t.0.clone()),
            serial: &caller.client.serial,
            remaining: caller.remaining,
            latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            bodies,
        },
    );
}

/// An admitted request: its faults, then its route.
async fn dispatch(p: &Arc<Gateway>, conn: &Conn, caller: &Caller, req: Request) -> Response {
    // A test-mode app's one-request fault (`X-Intoss-Fault`); other apps' headers are ignored
    // (and never forwarded: the proxy drops every client-sent `x-intoss-*`).
    if caller.app.test_mode
        && let Some(v) = req.headers().get(intoss_core::FAULT_HEADER)
        && let Some(resp) = Box::pin(faults::from_header(v, req.uri().path(), conn)).await
    {
        return resp;
    }
    // Sandbox faults (`intoss fault add`): one emptiness test when there are none.
    if !caller.app.faults.is_empty()
        && let Some(resp) = Box::pin(faults::inject(&caller.app.faults, req.uri().path(), conn)).await
    {
        return resp;
    }
    match req.uri().path() {
        WHOAMI => match *req.method() {
            Method::GET => whoami(caller, &conn.info),
            Method::HEAD => without_body(whoami(caller, &conn.info)),
            _ => not_allowed(&req, "GET,HEAD"),
        },
        ECHO => {
            if req.method() == Method::POST {
                Box::pin(echo(p, req)).await
            } else {
                not_allowed(&req, "POST")
            }
        }
        path => {
            if let Some(login) = &p.login
                && path.starts_with(intoss_proto::api::login::BASE)
            {
                Box::pin(login::handle(p, login, caller, req)).await
            } else if let Some(pay) = &p.pay
                && path.starts_with(intoss_proto::api::pay::BASE)
            {
                Box::pin(pay::handle(p, pay, caller, req)).await
            } else if let Some(iap) = &p.iap
                && path.starts_with(intoss_proto::api::iap::BASE)
            {
                Box::pin(pay::handle_iap(p, iap, caller, req)).await
            } else if let Some(messages) = &p.messages
                && path.starts_with(intoss_proto::api::messages::BASE)
            {
                Box::pin(messages::handle(p, messages, caller, req)).await
            } else if let Some(registry) = &p.renewal
                && path == RENEW
            {
                if req.method() == Method::POST {
                    Box::pin(renew::handle(p, registry, caller, &conn.info, req)).await
                } else {
                    not_allowed(&req, "POST")
                }
            } else if let Some(promotions) = &p.promotions
                && path.starts_with(intoss_proto::api::promotions::BASE)
            {
                Box::pin(promotions::handle(p, promotions, caller, req)).await
            } else {
                // Boxed, like `echo`: hyper keeps one allocation of this future's size per
                // connection, idle or not, and forwarding's state (the upstream exchange) is most of it.
                Box::pin(proxy::proxy_or_not_found(p, caller, &conn.info, req)).await
            }
        }
    }
}

/// Echoes a JSON body: lets partners check their client's JSON, body size and mTLS set-up.
async fn echo(p: &Arc<Gateway>, req: Request) -> Response {
    match ApiJson::<Value>::from_request(req, p).await {
        Ok(ApiJson(echo)) => success(StatusCode::OK, Echo { echo }),
        Err(e) => e.into_response(),
    }
}

/// A HEAD response: `resp`'s status and headers, `content-length` included, and no body.
fn without_body(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    if let Some(n) = http_body::Body::size_hint(&body).exact() {
        parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    Response::from_parts(parts, Body::empty())
}

/// 405 for a built-in path with another method, naming the methods it takes.
pub(crate) fn not_allowed(req: &Request, allow: &'static str) -> Response {
    let mut resp = ApiError::method_not_allowed(req.method(), req.uri().path()).into_response();
    resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    resp
}

/// Returns the caller, or the error and whether the connection must be closed.
async fn admit(p: &Gateway, info: &ConnInfo) -> Result<Caller, (ApiError, bool)> {
    let Some(id) = info.client.as_ref() else {
        // The handshake demands a certificate; reaching here means a wiring bug. Fail closed.
        return Err((ApiError::new(ErrorCode::UnknownCertificate, "no client certificate"), true));
    };
    // Fail closed when this node has lost sight of the database (a cluster node cut off from
    // PostgreSQL): another node may have revoked the certificate since.
    if let Some(max) = p.max_staleness {
        let age = p.snapshots.age();
        if age > max {
            return Err((
                ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    format!(
                        "this node has not read certificates and revocations from its database for {} s; \
                         it refuses requests until it can",
                        age.as_secs()
                    ),
                ),
                false,
            ));
        }
    }
    // `load_full`, not `load`: the guard of `load` must not be held across the await below.
    let snap = p.snapshots.load_full();
    let Some(cert) = snap.certs.get(&id.serial).filter(|c| c.is(&id.fingerprint)) else {
        return Err((
            ApiError::new(
                ErrorCode::UnknownCertificate,
                "the client certificate is not known to the platform",
            ),
            true,
        ));
    };
    if cert.revoked {
        return Err((
            ApiError::new(
                ErrorCode::CertificateRevoked,
                format!("certificate {} has been revoked", id.serial),
            ),
            true,
        ));
    }
    if unix_now() >= cert.not_after {
        return Err((
            ApiError::new(
                ErrorCode::CertificateExpired,
                format!("certificate {} has expired; issue a new one", id.serial),
            ),
            true,
        ));
    }
    let Some(app) = snap.apps.get(&cert.app) else {
        return Err((
            ApiError::new(ErrorCode::UnknownCertificate, "the certificate's app no longer exists"),
            true,
        ));
    };
    if !app.allowlist.admits(info.peer.ip()) {
        return Err((
            ApiError::new(
                ErrorCode::IpNotAllowed,
                format!(
                    "source address {} is not on the allowlist of app {}",
                    info.peer.ip().to_canonical(),
                    app.name
                ),
            ),
            false,
        ));
    }
    let decision = p.limiter.check(&app.name, app.qpm, p.snapshots.clock().now_ms()).await.map_err(|e| {
        tracing::error!(error = %e, "rate limiter failed");
        (ApiError::new(ErrorCode::ServiceUnavailable, "rate limiter unavailable; retry later"), false)
    })?;
    match decision {
        Decision::Admitted { remaining } => {
            p.stats.record(&app.name, false, unix_now());
            Ok(Caller { app: app.clone(), client: id.clone(), not_after: cert.not_after, remaining })
        }
        Decision::Refused { retry_after_ms } => {
            p.stats.record(&app.name, true, unix_now());
            let mut err = ApiError::new(
                ErrorCode::TooManyRequests,
                format!("app {} is over its limit of {} requests per minute", app.name, app.qpm),
            );
            err.retry_after_secs = Some(retry_after_ms.div_ceil(1000).max(1));
            Err((err, false))
        }
    }
}

fn whoami(caller: &Caller, info: &ConnInfo) -> Response {
    success(
        StatusCode::OK,
        WhoAmI {
            app: caller.app.name.as_str().into(),
            cert_serial: caller.client.serial.as_str().into(),
            not_after: rfc3339(caller.not_after),
            qpm_limit: caller.app.qpm,
            remaining: caller.remaining,
            tls_version: info.tls_version.into(),
            cipher_suite: info.cipher_suite.into(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn future_size<F, Fut>(_: F) -> usize
    where
        F: FnOnce(&'static Arc<Gateway>, &'static Conn, Request) -> Fut,
    {
        std::mem::size_of::<Fut>()
    }

    /// hyper allocates room for one request future per connection, idle or not: 1,000 idle
    /// connections once held ~2.8 MiB more when forwarding's state was inline (issue 7, (e)).
    /// The request journal's state (method, path, start) took it from under 1,024 to 1,192 bytes:
    /// ~170 KiB per 1,000 idle connections, kept rather than a box (an allocation) per request.
    #[test]
    fn the_request_future_stays_small() {
        let size = future_size(handle);
        assert!(size <= 1280, "gateway::handle's future is {size} bytes; box the large branches");
    }

    /// Every open connection holds its task's future: 1,000 idle connections is (e) of issue 7
    /// (≤ 64 MiB). The HTTP connection and its driver are boxed apart (`intoss_http::listener`).
    #[test]
    fn a_connection_task_stays_small() {
        let size = intoss_http::listener::connection_task_size::<GatewayService>();
        assert!(size <= 2048, "a gateway connection's task is {size} bytes");
    }
}
