//! The admin REST API (`/admin/v1/...`) on the console listener.
//!
//! Authenticated with `Authorization: Bearer <DIR/admin-token>` or a console session; every
//! answer is an envelope. Documented in `openapi.json`, served at `/admin/v1/openapi.json`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_core::unix_now;
use intoss_http::extract::read_body;
use intoss_http::{ApiError, ApiObject, ApiQuery, BodyLimit, success};
use intoss_proto::ErrorCode;
use intoss_proto::api::admin::{CertQuery, CreateApp, IssueCert, PatchApp, RevokeCert, Stats};

use crate::Console;

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The console listener's router: the admin API (authenticated), the public OpenAPI document,
/// and the web console's page and sign-in.
pub fn router(state: Arc<Console>) -> Router {
    let authed = Router::new()
        .route("/admin/v1/apps", get(list_apps).post(create_app))
        .route("/admin/v1/apps/{name}", get(get_app).patch(patch_app))
        .route("/admin/v1/apps/{name}/certs", post(issue_cert).get(list_app_certs))
        .route("/admin/v1/certs", get(list_certs))
        .route("/admin/v1/certs/{serial}", get(get_cert))
        .route("/admin/v1/certs/{serial}/revoke", post(revoke_cert))
        .route("/admin/v1/expiry-notices", get(expiry_notices))
        .route("/metrics", get(metrics))
        .route("/admin/v1/stats", get(stats))
        .merge(crate::admin_idv::routes())
        .layer(middleware::from_fn_with_state(state.clone(), require_admin));
    Router::new()
        .route("/admin/v1/openapi.json", get(openapi))
        .merge(authed)
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("no admin API at {}", req.uri().path()))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::method_not_allowed(req.method(), req.uri().path())
}

async fn require_admin(State(c): State<Arc<Console>>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // The console page is signed in by its session cookie (with the CSRF header for writes).
    match crate::web::cookie_auth(&c, &req) {
        Ok(true) => return next.run(req).await,
        Err(e) => return e.into_response(),
        Ok(false) => {}
    }
    match presented {
        Some(token) if c.admin_token_matches(token) => next.run(req).await,
        _ => {
            let mut resp = ApiError::new(
                ErrorCode::Unauthorized,
                "send the admin token as `Authorization: Bearer <token>` (it is in DATA_DIR/admin-token)",
            )
            .into_response();
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            resp
        }
    }
}

// === apps ===

async fn list_apps(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.apps().await?))
}

async fn create_app(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<CreateApp>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.registry.create_app(body).await?))
}

async fn get_app(State(c): State<Arc<Console>>, Path(name): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.app(&name).await?))
}

async fn patch_app(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchApp>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.update_app(&name, body).await?))
}

// === certificates ===

async fn issue_cert(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<IssueCert>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.registry.issue_cert(&name, body).await?))
}

async fn list_certs(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<CertQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.certs(q.app.as_deref()).await?))
}

async fn list_app_certs(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.app_certs(&name).await?))
}

async fn get_cert(State(c): State<Arc<Console>>, Path(serial): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.cert(&serial).await?))
}

async fn revoke_cert(
    State(c): State<Arc<Console>>,
    Path(serial): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    // The body is optional: `{}` or nothing at all.
    let body = read_body(req.into_body(), c.max_body_bytes()).await?;
    let revoke: RevokeCert = if body.iter().all(u8::is_ascii_whitespace) {
        RevokeCert::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))?
    };
    Ok(success(StatusCode::OK, c.registry.revoke_cert(&serial, revoke).await?))
}

// === monitoring ===

/// Prometheus text: the limiter's state, the numbers of apps and certificates, the snapshot's age.
async fn metrics(State(c): State<Arc<Console>>) -> Response {
    let snapshots = c.registry.snapshots();
    let snap = snapshots.load_full();
    let body = format!(
        "{}# HELP intoss_apps Apps.\n# TYPE intoss_apps gauge\nintoss_apps {}\n\
         # HELP intoss_certificates Client certificates known to the gateway.\n# TYPE intoss_certificates gauge\nintoss_certificates {}\n\
         # HELP intoss_snapshot_age_seconds Since the last successful re-read of apps and certificates began ([cluster] max_staleness_ms bounds it).\n\
         # TYPE intoss_snapshot_age_seconds gauge\nintoss_snapshot_age_seconds {:.3}\n",
        (c.metrics)(),
        snap.apps.len(),
        snap.certs.len(),
        snapshots.age().as_secs_f64(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The console's overview: requests per app over the last hour, and certificates reaching an
/// expiry threshold.
async fn stats(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    let now = unix_now();
    let expiring = c.registry.expiring(now).await?;
    Ok(success(StatusCode::OK, Stats { apps: c.stats.last_hour(now), expiring }))
}

async fn expiry_notices(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.expiry_notices().await?))
}
