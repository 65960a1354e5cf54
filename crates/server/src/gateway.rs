//! The mTLS partner gateway (`/api-partner/...`).
//!
//! Every request passes [`gate`] first: the connection's certificate must map to a known, active
//! certificate of an existing app (checked again per request, so a revocation reaches open
//! connections); the peer address must be on the app's allowlist; the app's rate limit must
//! admit it. Then it reaches a built-in route or a configured proxy route. Every response the
//! gateway itself makes is an envelope.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_proto::ErrorCode;
use intoss_ratelimit::Decision;
use intoss_tls::{ClientIdentity, ConnInfo};
use serde::Serialize;
use serde_json::Value;

use crate::error::{ApiError, success};
use crate::extract::ApiJson;
use crate::listener::ConnControl;
use crate::platform::{AppEntry, Platform, unix_now};

/// Who is calling, established by [`gate`]. Shares the snapshot's and the connection's entries:
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

/// The gateway's router.
pub fn router(state: Arc<Platform>) -> Router {
    Router::new()
        .route("/api-partner/v1/whoami", get(whoami))
        .route("/api-partner/v1/echo", post(echo))
        .fallback(crate::proxy::proxy_or_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

/// Identity, revocation, expiry, allowlist and rate limit, in that order.
async fn gate(State(p): State<Arc<Platform>>, mut req: Request, next: Next) -> Response {
    // Only the connection facts cross the await: `Request` is not `Sync`.
    let info = req.extensions().get::<ConnInfo>().cloned();
    match admit(&p, info).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err((err, close)) => {
            if close && let Some(c) = req.extensions().get::<ConnControl>() {
                c.close();
            }
            err.into_response()
        }
    }
}

/// Returns the caller, or the error and whether the connection must be closed.
async fn admit(p: &Platform, info: Option<ConnInfo>) -> Result<Caller, (ApiError, bool)> {
    let Some((info, id)) = info.as_ref().and_then(|i| i.client.as_ref().map(|c| (i, c))) else {
        // The handshake demands a certificate; reaching here means a wiring bug. Fail closed.
        return Err((ApiError::new(ErrorCode::UnknownCertificate, "no client certificate"), true));
    };
    // Fail closed when this node has lost sight of the database (a cluster node cut off from
    // PostgreSQL): another node may have revoked the certificate since.
    if let Some(max) = p.config.max_staleness {
        let age = p.snapshot_age();
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
    let snap = p.snapshot.load_full();
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
    let decision = p.limiter.check(&app.name, app.qpm, p.now_ms()).await.map_err(|e| {
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmI<'a> {
    app: &'a str,
    cert_serial: &'a str,
    not_after: String,
    qpm_limit: u32,
    remaining: u32,
    tls_version: &'static str,
    cipher_suite: &'static str,
}

async fn whoami(req: Request) -> Result<Response, ApiError> {
    let caller = req.extensions().get::<Caller>().ok_or_else(|| ApiError::internal("no caller"))?;
    let info = req.extensions().get::<ConnInfo>().ok_or_else(|| ApiError::internal("no conn info"))?;
    Ok(success(
        StatusCode::OK,
        WhoAmI {
            app: &caller.app.name,
            cert_serial: &caller.client.serial,
            not_after: crate::admin::rfc3339(caller.not_after),
            qpm_limit: caller.app.qpm,
            remaining: caller.remaining,
            tls_version: info.tls_version,
            cipher_suite: info.cipher_suite,
        },
    ))
}

/// Echoes a JSON body: lets partners check their client's JSON, body size and mTLS set-up.
async fn echo(ApiJson(body): ApiJson<Value>) -> Response {
    success(StatusCode::OK, serde_json::json!({ "echo": body }))
}

/// 405 for a known path with another method.
pub async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}
