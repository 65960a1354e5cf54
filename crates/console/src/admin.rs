//! The admin REST API (`/admin/v1/...`) on the console listener.
//!
//! Authenticated with `Authorization: Bearer <DIR/admin-token>` or a console session; every
//! answer is an envelope. Each handler's `#[utoipa::path]` is its part of the OpenAPI document
//! ([`crate::openapi`]), served at `/admin/v1/openapi.json`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_core::unix_now;
use intoss_http::extract::optional_object;
use intoss_http::{ApiError, ApiObject, ApiQuery, BodyLimit, success};
use intoss_proto::ErrorCode;
use intoss_proto::api::admin::{
    App, AppList, Cert, CertList, CertQuery, CreateApp, IssueCert, IssuedCert, NoticeList, PatchApp,
    PatchRenewalPolicy, RenewalPolicy, RevokeCert, Stats,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{AlreadyExists, Authenticated, InvalidParameter, JsonBody, NotFound, Unauthorized};

/// The description of the path parameter `{serial}`.
const SERIAL: &str = "Serial number, hexadecimal (colons and upper case are accepted)";

/// The console listener's router: the admin API (authenticated), the public OpenAPI document,
/// and the web console's page and sign-in.
pub fn router(state: Arc<Console>) -> Router {
    let authed = Router::new()
        .route("/admin/v1/apps", get(list_apps).post(create_app))
        .route("/admin/v1/apps/{name}", get(get_app).patch(patch_app))
        .route("/admin/v1/apps/{name}/certs", post(issue_cert).get(list_app_certs))
        .route("/admin/v1/apps/{name}/renewal", get(get_renewal).patch(patch_renewal))
        .route("/admin/v1/certs", get(list_certs))
        .route("/admin/v1/certs/{serial}", get(get_cert))
        .route("/admin/v1/certs/{serial}/revoke", post(revoke_cert))
        .route("/admin/v1/expiry-notices", get(expiry_notices))
        .route("/metrics", get(metrics))
        .route("/admin/v1/stats", get(stats))
        .merge(crate::admin_idv::routes())
        .merge(crate::admin_login::routes())
        .merge(crate::admin_pay::routes())
        .merge(crate::admin_messages::routes())
        .merge(crate::admin_promotions::routes())
        .merge(crate::admin_events::routes())
        .merge(crate::admin_sandbox::routes())
        .layer(middleware::from_fn_with_state(state.clone(), require_admin));
    Router::new()
        .route("/admin/v1/openapi.json", get(openapi))
        .merge(authed)
        .merge(crate::web::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// This document.
///
/// The OpenAPI 3.1 description of the admin API, generated from the platform's types. Public:
/// no token needed.
#[utoipa::path(
    get,
    path = "/admin/v1/openapi.json",
    tag = "meta",
    operation_id = "openapi",
    security(),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object, content_type = "application/json"))
)]
pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::DOCUMENT.as_str()).into_response()
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

/// List apps.
#[utoipa::path(
    get,
    path = "/admin/v1/apps",
    tag = "apps",
    operation_id = "listApps",
    responses((status = 200, description = "Every app, by name", body = Success<AppList>), Authenticated)
)]
pub(crate) async fn list_apps(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.apps().await?))
}

/// Create an app.
///
/// Its certificates are issued with `POST /admin/v1/apps/{name}/certs`; the gateway admits them
/// at once.
#[utoipa::path(
    post,
    path = "/admin/v1/apps",
    tag = "apps",
    operation_id = "createApp",
    request_body = CreateApp,
    responses(
        (status = 201, description = "Created", body = Success<App>),
        (status = 409, description = "An app of that name exists (ALREADY_EXISTS)", body = Fail<AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_app(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<CreateApp>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.registry.create_app(body).await?))
}

/// One app.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}",
    tag = "apps",
    operation_id = "getApp",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    responses(
        (status = 200, description = "The app", body = Success<App>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_app(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.app(&name).await?))
}

/// Change an app's QPM, allowlist or webhook.
///
/// Absent fields are left as they are. The gateway applies the change at its next snapshot
/// (at once on a single node).
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}",
    tag = "apps",
    operation_id = "updateApp",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    request_body = PatchApp,
    responses(
        (status = 200, description = "Updated", body = Success<App>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_app(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchApp>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.update_app(&name, body).await?))
}

/// An app's certificate renewal policy.
///
/// How its certificates may renew themselves over mTLS (`POST /api-partner/v1/certificates/renew`
/// on the gateway): allowed or not, from how many days before expiry, whether the platform may
/// generate the new key, and the most active certificates a renewal may leave the app with.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/renewal",
    tag = "certificates",
    operation_id = "getRenewalPolicy",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    responses(
        (status = 200, description = "The policy (defaults until changed)", body = Success<RenewalPolicy>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_renewal(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.renewal_policy(&name).await?))
}

/// Change an app's certificate renewal policy.
///
/// Absent fields are left as they are; the next renewal uses the new rules.
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}/renewal",
    tag = "certificates",
    operation_id = "updateRenewalPolicy",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    request_body = PatchRenewalPolicy,
    responses(
        (status = 200, description = "Updated", body = Success<RenewalPolicy>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_renewal(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchRenewalPolicy>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.update_renewal_policy(&name, body).await?))
}

// === certificates ===

/// Issue a client certificate (390 days).
///
/// Without `csr`, the platform generates the key (`rsa2048` by default, or `p256`) and returns
/// it once as PKCS#8 PEM; it is never stored. With `csr`, only the CSR's public key is used.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/certs",
    tag = "certificates",
    operation_id = "issueCert",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    request_body = IssueCert,
    responses(
        (status = 201, description = "Issued: the record, `client-cert.pem`, the key when generated, `ca.pem`", body = Success<IssuedCert>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn issue_cert(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<IssueCert>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.registry.issue_cert(&name, body).await?))
}

/// All certificates, newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/certs",
    tag = "certificates",
    operation_id = "listCerts",
    params(CertQuery),
    responses(
        (status = 200, description = "Certificates", body = Success<CertList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        Authenticated,
    )
)]
pub(crate) async fn list_certs(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<CertQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.certs(q.app.as_deref()).await?))
}

/// Certificates of one app, newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/certs",
    tag = "certificates",
    operation_id = "listAppCerts",
    params(("name" = String, Path, description = "The app's name", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "my-app")),
    responses(
        (status = 200, description = "Certificates", body = Success<CertList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_app_certs(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.app_certs(&name).await?))
}

/// One certificate.
#[utoipa::path(
    get,
    path = "/admin/v1/certs/{serial}",
    tag = "certificates",
    operation_id = "getCert",
    params(("serial" = String, Path, description = SERIAL, pattern = "^[0-9A-Fa-f:]{1,64}$", example = "5f1c0e9a2b7d4c3e")),
    responses(
        (status = 200, description = "The certificate", body = Success<Cert>),
        (status = 400, description = "Not a serial (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        (status = 404, description = "No such certificate (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_cert(
    State(c): State<Arc<Console>>,
    Path(serial): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.cert(&serial).await?))
}

/// Revoke a certificate at once.
///
/// New handshakes with it fail; requests on connections already open get
/// `CERTIFICATE_REVOKED` and the connections are closed. Revoking again keeps the first time
/// and reason. The body is optional: `{"reason": ...}`, `{}` or nothing (any content type).
#[utoipa::path(
    post,
    path = "/admin/v1/certs/{serial}/revoke",
    tag = "certificates",
    operation_id = "revokeCert",
    params(("serial" = String, Path, description = SERIAL, pattern = "^[0-9A-Fa-f:]{1,64}$", example = "5f1c0e9a2b7d4c3e")),
    request_body(content = Option<RevokeCert>, description = "Why; optional"),
    responses(
        (status = 200, description = "Revoked (revoking again keeps the first time and reason)", body = Success<Cert>),
        (status = 400, description = "Not a serial, or a bad body (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        (status = 404, description = "No such certificate (NOT_FOUND)", body = Fail<NotFound>),
        (status = 413, description = "Body too large (PAYLOAD_TOO_LARGE)", body = Fail<crate::openapi::PayloadTooLarge>),
        Authenticated,
    )
)]
pub(crate) async fn revoke_cert(
    State(c): State<Arc<Console>>,
    Path(serial): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    // The body is optional: `{}` or nothing at all.
    let revoke: RevokeCert = optional_object(req.into_body(), c.max_body_bytes()).await?;
    Ok(success(StatusCode::OK, c.registry.revoke_cert(&serial, revoke).await?))
}

// === monitoring ===

/// Prometheus metrics.
///
/// Text exposition format 0.0.4 (`text/plain; version=0.0.4`): the rate limiter's state (its
/// fallback when Redis is away), the numbers of apps and certificates, and the age of the
/// gateway's snapshot of them.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "monitoring",
    operation_id = "metrics",
    responses(
        (status = 200, description = "Prometheus text", body = String, content_type = "text/plain"),
        (status = 401, description = "Missing or wrong admin token (UNAUTHORIZED)", body = Fail<Unauthorized>),
    )
)]
pub(crate) async fn metrics(State(c): State<Arc<Console>>) -> Response {
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
    let body = body + &certificate_gauges(snap.certs.iter(), unix_now());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Each usable (not revoked, not expired) certificate's end of validity, and per app the days left
/// of its longest-lived one: what an alert on "renew before it is too late" reads.
fn certificate_gauges<'a>(
    certs: impl IntoIterator<Item = (&'a String, &'a intoss_core::CertEntry)>,
    now: i64,
) -> String {
    let label = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    let mut live: Vec<(&String, &intoss_core::CertEntry)> =
        certs.into_iter().filter(|(_, c)| !c.revoked && c.not_after > now).collect();
    live.sort_by(|a, b| (&a.1.app, a.0).cmp(&(&b.1.app, b.0)));
    let mut out = String::from(
        "# HELP intoss_certificate_expiry_timestamp_seconds End of validity of each usable client certificate.\n\
         # TYPE intoss_certificate_expiry_timestamp_seconds gauge\n",
    );
    let mut best: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for (serial, c) in &live {
        out.push_str(&format!(
            "intoss_certificate_expiry_timestamp_seconds{{app=\"{}\",serial=\"{}\"}} {}\n",
            label(&c.app),
            label(serial),
            c.not_after
        ));
        let e = best.entry(c.app.as_str()).or_insert(c.not_after);
        *e = (*e).max(c.not_after);
    }
    out.push_str(
        "# HELP intoss_app_certificate_days_left Days until the app's longest-lived usable certificate expires.\n\
         # TYPE intoss_app_certificate_days_left gauge\n",
    );
    for (app, not_after) in best {
        out.push_str(&format!(
            "intoss_app_certificate_days_left{{app=\"{}\"}} {}\n",
            label(app),
            (not_after - now) / 86_400
        ));
    }
    out
}

/// The console's overview.
///
/// Requests per app over the last hour (admitted and refused by the rate limit, per minute),
/// and the active certificates that reached an expiry threshold.
#[utoipa::path(
    get,
    path = "/admin/v1/stats",
    tag = "monitoring",
    operation_id = "stats",
    responses((status = 200, description = "The overview", body = Success<Stats>), Authenticated)
)]
pub(crate) async fn stats(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    let now = unix_now();
    let expiring = c.registry.expiring(now).await?;
    Ok(success(StatusCode::OK, Stats { apps: c.stats.last_hour(now), expiring }))
}

/// Expiry warnings sent.
///
/// Sent to an app's webhook 30, 7 and 1 days before a certificate's `not_after`; newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/expiry-notices",
    tag = "certificates",
    operation_id = "listExpiryNotices",
    responses((status = 200, description = "Notices", body = Success<NoticeList>), Authenticated)
)]
pub(crate) async fn expiry_notices(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.expiry_notices().await?))
}
