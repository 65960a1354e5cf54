//! The web console: sign-in with the admin token into an HttpOnly session cookie, CSRF
//! protection, and the page files.
//!
//! - `POST /console/login {"token"}` checks the admin token (constant time) and sets
//!   `intoss_console=<session>; HttpOnly; Secure; SameSite=Strict`. It answers the CSRF token.
//! - A request authenticated by the cookie must carry `X-Intoss-CSRF: <token>` unless it is a
//!   GET/HEAD: a forged cross-site form cannot set the header, and SameSite=Strict keeps the
//!   cookie off cross-site requests in the first place.
//! - Sessions live in this process for 12 hours (a restart signs everyone out).
//! - The page (`/`, `/login`, `/simulator/{txId}`) is one HTML file, a script and a stylesheet
//!   served from the binary under a strict CSP: no external resource, no inline script.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

use aws_lc_rs::hmac;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_core::unix_now;
use intoss_http::{ApiError, ApiObject, success};
use intoss_proto::ErrorCode;
use intoss_proto::api::console::{LoggedIn, LoggedOut, Login, Session};
use subtle::ConstantTimeEq;

use crate::Console;

const INDEX: &str = include_str!("web/index.html");
const SCRIPT: &str = include_str!("web/console.js");
const STYLE: &str = include_str!("web/console.css");

/// The session cookie's name.
pub const COOKIE: &str = "intoss_console";
/// The CSRF header's name.
pub const CSRF_HEADER: &str = "x-intoss-csrf";
const SESSION_SECS: i64 = 12 * 3600;
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Signed-in console sessions of this process.
pub struct Sessions {
    /// SHA-256 of the session id → expiry (Unix seconds). The id itself is never kept.
    live: Mutex<HashMap<[u8; 32], i64>>,
    csrf_key: hmac::Key,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions(..)")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn random_hex(n: usize) -> Option<String> {
    let mut b = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut b).ok()?;
    Some(hex::encode(b))
}

impl Sessions {
    /// No sessions yet; a fresh CSRF key.
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        let _ = aws_lc_rs::rand::fill(&mut key);
        Self { live: Mutex::new(HashMap::new()), csrf_key: hmac::Key::new(hmac::HMAC_SHA256, &key) }
    }

    fn create(&self, now: i64) -> Option<String> {
        let id = random_hex(32)?;
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|_, exp| *exp > now);
        live.insert(sha256(id.as_bytes()), now + SESSION_SECS);
        Some(id)
    }

    /// Whether `id` is a live session.
    pub fn valid(&self, id: &str, now: i64) -> bool {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.get(&sha256(id.as_bytes())).is_some_and(|exp| *exp > now)
    }

    fn end(&self, id: &str) {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).remove(&sha256(id.as_bytes()));
    }

    /// The CSRF token bound to session `id`.
    pub fn csrf(&self, id: &str) -> String {
        hex::encode(hmac::sign(&self.csrf_key, id.as_bytes()).as_ref())
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new()
    }
}

/// The session id carried by the request's cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// How a console request is authenticated by its cookie: `Ok(true)` when it is (with a valid
/// CSRF header for writes), `Ok(false)` when there is no session, `Err` for a write without
/// the right CSRF header.
pub fn cookie_auth(p: &Console, req: &Request) -> Result<bool, ApiError> {
    let Some(id) = session_cookie(req.headers()) else { return Ok(false) };
    if !p.sessions.valid(&id, unix_now()) {
        return Ok(false);
    }
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(true);
    }
    let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let expected = p.sessions.csrf(&id);
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(true)
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "missing or wrong X-Intoss-CSRF header (cross-site request refused)",
        ))
    }
}

/// The page and session routes (unauthenticated; the page signs in by itself).
pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/", get(page))
        .route("/login", get(page))
        .route("/simulator/{tx}", get(page))
        .route("/console.js", get(script))
        .route("/console.css", get(style))
        .route("/console/login", post(login))
        .route("/console/logout", post(logout))
        .route("/console/session", get(session))
}

fn secure_headers(mut resp: Response, content_type: &'static str) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn page() -> Response {
    secure_headers(INDEX.into_response(), "text/html; charset=utf-8")
}

async fn script() -> Response {
    secure_headers(SCRIPT.into_response(), "text/javascript; charset=utf-8")
}

async fn style() -> Response {
    secure_headers(STYLE.into_response(), "text/css; charset=utf-8")
}

async fn login(
    State(p): State<Arc<Console>>,
    ApiObject(body): ApiObject<Login>,
) -> Result<Response, ApiError> {
    if !p.admin_token_matches(body.token.trim()) {
        tracing::warn!("console sign-in refused: wrong admin token");
        return Err(ApiError::new(
            ErrorCode::Unauthorized,
            "wrong admin token (it is in DATA_DIR/admin-token)",
        ));
    }
    let id = p.sessions.create(unix_now()).ok_or_else(|| ApiError::internal("no randomness"))?;
    let mut resp = success(StatusCode::OK, LoggedIn { csrf: p.sessions.csrf(&id) });
    let cookie = format!("{COOKIE}={id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={SESSION_SECS}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    tracing::info!("console signed in");
    Ok(resp)
}

async fn logout(State(p): State<Arc<Console>>, req: Request) -> Result<Response, ApiError> {
    if !cookie_auth(&p, &req)? {
        return Err(ApiError::new(ErrorCode::Unauthorized, "not signed in"));
    }
    if let Some(id) = session_cookie(req.headers()) {
        p.sessions.end(&id);
    }
    let mut resp = success(StatusCode::OK, LoggedOut { signed_out: true });
    let cookie = format!("{COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// Whether the browser is signed in; when it is, the CSRF token, the listener addresses and the
/// CA certificate (for the snippets and the ca.pem download). Signed out is a normal answer
/// (200, `signed_in: false`): the page asks this at every load.
async fn session(State(p): State<Arc<Console>>, headers: HeaderMap) -> Response {
    let Some(id) = session_cookie(&headers).filter(|id| p.sessions.valid(id, unix_now())) else {
        return success(
            StatusCode::OK,
            Session { signed_in: false, csrf: None, endpoints: None, ca_pem: None },
        );
    };
    success(
        StatusCode::OK,
        Session {
            signed_in: true,
            csrf: Some(p.sessions.csrf(&id)),
            endpoints: Some(p.endpoints),
            ca_pem: Some(p.registry.ca_pem().to_owned()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_csrf_is_bound() {
        let s = Sessions::new();
        let id = s.create(100).unwrap();
        assert!(s.valid(&id, 100 + SESSION_SECS - 1));
        assert!(!s.valid(&id, 100 + SESSION_SECS));
        assert!(!s.valid("forged", 100));
        let other = s.create(100).unwrap();
        assert_ne!(s.csrf(&id), s.csrf(&other));
        s.end(&id);
        assert!(!s.valid(&id, 101));
    }
}
