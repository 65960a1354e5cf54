//! The admin REST API (`/admin/v1/...`) on the console listener.
//!
//! Authenticated with `Authorization: Bearer <DIR/admin-token>`; every answer is an envelope.
//! Documented in `openapi.json`, served at `/admin/v1/openapi.json`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_pki::{ClientKey, KeyType};
use intoss_proto::{ErrorCode, IpAllowlist};
use intoss_store::{App, AppPatch, CertRecord, CertStatus, NewApp};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, success};
use crate::extract::{ApiObject, ApiQuery};
use crate::platform::{Platform, unix_now};

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Days before `not_after` at which expiry warnings are sent.
pub const EXPIRY_THRESHOLDS_DAYS: [i64; 3] = [30, 7, 1];

/// The admin API router (authenticated), plus the public OpenAPI document.
pub fn router(state: Arc<Platform>) -> Router {
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
        .merge(crate::console::router())
        .fallback(not_found)
        .method_not_allowed_fallback(crate::gateway::method_not_allowed)
        .with_state(state)
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!("no admin API at {}", req.uri().path()))
}

async fn require_admin(State(p): State<Arc<Platform>>, req: Request, next: Next) -> Response {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // The console page is signed in by its session cookie (with the CSRF header for writes).
    match crate::console::cookie_auth(&p, &req) {
        Ok(true) => return next.run(req).await,
        Err(e) => return e.into_response(),
        Ok(false) => {}
    }
    match presented {
        Some(token) if p.admin_token_matches(token) => next.run(req).await,
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

/// RFC 3339 UTC form of Unix seconds.
pub fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_default()
}

// === apps ===

#[derive(Debug, Serialize)]
struct AppView {
    name: String,
    qpm: u32,
    allow_ips: Vec<String>,
    webhook_url: Option<String>,
    created_at: String,
}

impl From<App> for AppView {
    fn from(a: App) -> Self {
        Self {
            name: a.name,
            qpm: a.qpm,
            allow_ips: a.allow_ips,
            webhook_url: a.webhook_url,
            created_at: rfc3339(a.created_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateApp {
    name: String,
    qpm: Option<u32>,
    #[serde(default)]
    allow_ips: Vec<String>,
    webhook_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchApp {
    qpm: Option<u32>,
    allow_ips: Option<Vec<String>>,
    /// An empty string clears the webhook.
    webhook_url: Option<String>,
}

/// Largest QPM an app may be given.
const MAX_QPM: u32 = 10_000_000;

fn validate_name(name: &str) -> Result<(), ApiError> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "name: 1-64 characters of A-Z, a-z, 0-9, `-`, `_`, `.`, starting with a letter or digit",
        ))
    }
}

fn validate_qpm(qpm: u32) -> Result<u32, ApiError> {
    if qpm > MAX_QPM {
        return Err(ApiError::invalid(format!("qpm: at most {MAX_QPM}")));
    }
    Ok(qpm)
}

fn validate_allow_ips(entries: &[String]) -> Result<Vec<String>, ApiError> {
    IpAllowlist::parse(entries)
        .map(|l| l.to_strings())
        .map_err(|e| ApiError::invalid(format!("allow_ips: {e}")))
}

fn validate_webhook(url: &str) -> Result<(), ApiError> {
    let ok = url
        .parse::<http::Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
    if ok { Ok(()) } else { Err(ApiError::invalid("webhook_url: must be an http(s):// URL")) }
}

async fn reload(p: &Platform) -> Result<(), ApiError> {
    p.reload().await.map_err(|e| {
        tracing::error!(error = %e, "reload after a committed change failed");
        ApiError::new(
            ErrorCode::ServiceUnavailable,
            "the change is saved but not yet applied; retry the request",
        )
    })
}

async fn list_apps(State(p): State<Arc<Platform>>) -> Result<Response, ApiError> {
    let apps: Vec<AppView> = p.store.list_apps().await?.into_iter().map(Into::into).collect();
    Ok(success(StatusCode::OK, serde_json::json!({ "apps": apps })))
}

async fn create_app(
    State(p): State<Arc<Platform>>,
    ApiObject(body): ApiObject<CreateApp>,
) -> Result<Response, ApiError> {
    validate_name(&body.name)?;
    if let Some(w) = &body.webhook_url {
        validate_webhook(w)?;
    }
    let app = p
        .store
        .create_app(&NewApp {
            qpm: validate_qpm(body.qpm.unwrap_or(p.config.default_qpm))?,
            allow_ips: validate_allow_ips(&body.allow_ips)?,
            name: body.name,
            webhook_url: body.webhook_url,
            created_at: unix_now(),
        })
        .await?;
    reload(&p).await?;
    tracing::info!(app = %app.name, qpm = app.qpm, "app created");
    Ok(success(StatusCode::CREATED, AppView::from(app)))
}

async fn get_app(State(p): State<Arc<Platform>>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let app =
        p.store.app(&name).await?.ok_or_else(|| ApiError::not_found(format!("app `{name}` not found")))?;
    Ok(success(StatusCode::OK, AppView::from(app)))
}

async fn patch_app(
    State(p): State<Arc<Platform>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchApp>,
) -> Result<Response, ApiError> {
    let webhook_url = match body.webhook_url {
        Some(w) if w.is_empty() => Some(None),
        Some(w) => {
            validate_webhook(&w)?;
            Some(Some(w))
        }
        None => None,
    };
    let patch = AppPatch {
        qpm: body.qpm.map(validate_qpm).transpose()?,
        allow_ips: body.allow_ips.as_deref().map(validate_allow_ips).transpose()?,
        webhook_url,
    };
    let app = p.store.update_app(&name, &patch).await?;
    reload(&p).await?;
    tracing::info!(app = %app.name, qpm = app.qpm, "app updated");
    Ok(success(StatusCode::OK, AppView::from(app)))
}

// === certificates ===

/// A certificate as the API and the CLI show it.
#[derive(Debug, Serialize)]
pub struct CertView {
    serial: String,
    app: String,
    status: CertStatus,
    key_source: String,
    not_before: String,
    not_after: String,
    days_left: i64,
    /// The most urgent expiry threshold (30, 7 or 1 days) already reached, if any.
    expiry_warning: Option<i64>,
    created_at: String,
    revoked_at: Option<String>,
    revoke_reason: Option<String>,
}

impl CertView {
    fn new(c: CertRecord, now: i64) -> Self {
        let status = c.status(now);
        let left = c.not_after - now;
        let expiry_warning = (status == CertStatus::Active)
            .then(|| EXPIRY_THRESHOLDS_DAYS.iter().rev().find(|&&d| left <= d * 86_400).copied())
            .flatten();
        Self {
            status,
            // Rounded up: a certificate issued a second ago has 390 days left, not 389.
            days_left: (left + 86_399).div_euclid(86_400),
            expiry_warning,
            not_before: rfc3339(c.not_before),
            not_after: rfc3339(c.not_after),
            created_at: rfc3339(c.created_at),
            revoked_at: c.revoked_at.map(rfc3339),
            revoke_reason: c.revoke_reason,
            key_source: c.key_source,
            app: c.app_name,
            serial: c.serial,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueCert {
    key_type: Option<String>,
    csr: Option<String>,
}

#[derive(Debug, Serialize)]
struct Issued {
    certificate: CertView,
    cert_pem: String,
    /// Only when the platform generated the key. Shown once; the platform does not keep it.
    key_pem: Option<String>,
    ca_pem: String,
}

async fn issue_cert(
    State(p): State<Arc<Platform>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<IssueCert>,
) -> Result<Response, ApiError> {
    let key = match (body.csr, body.key_type) {
        (Some(_), Some(_)) => return Err(ApiError::invalid("send either csr or key_type, not both")),
        (Some(csr), None) => ClientKey::Csr(csr),
        (None, kt) => ClientKey::Generate(match kt.as_deref() {
            None => KeyType::default(),
            Some(s) => KeyType::from_wire(s)
                .ok_or_else(|| ApiError::invalid(format!("key_type: `{s}` is not rsa2048 or p256")))?,
        }),
    };
    if p.store.app(&name).await?.is_none() {
        return Err(ApiError::not_found(format!("app `{name}` not found")));
    }
    // RSA key generation takes tens of milliseconds: keep it off the async workers.
    let ca_p = p.clone();
    let app_name = name.clone();
    let issued = tokio::task::spawn_blocking(move || {
        ca_p.ca.issue_client(&app_name, &key, time::OffsetDateTime::now_utc())
    })
    .await
    .map_err(ApiError::internal)??;
    let record = CertRecord {
        serial: issued.serial.clone(),
        app_name: name,
        cert_pem: issued.cert_pem.clone(),
        key_source: issued.key_source.to_owned(),
        not_before: issued.not_before.unix_timestamp(),
        not_after: issued.not_after.unix_timestamp(),
        created_at: unix_now(),
        revoked_at: None,
        revoke_reason: None,
    };
    p.store.insert_cert(&record).await?;
    reload(&p).await?;
    tracing::info!(app = %record.app_name, serial = %record.serial, source = %record.key_source, "certificate issued");
    let view = CertView::new(record, unix_now());
    Ok(success(
        StatusCode::CREATED,
        Issued {
            certificate: view,
            cert_pem: issued.cert_pem,
            key_pem: issued.key_pem.as_ref().map(|k| k.expose().to_owned()),
            ca_pem: p.ca.cert_pem().to_owned(),
        },
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertQuery {
    app: Option<String>,
}

async fn list_certs(
    State(p): State<Arc<Platform>>,
    ApiQuery(q): ApiQuery<CertQuery>,
) -> Result<Response, ApiError> {
    certs_of(&p, q.app.as_deref()).await
}

async fn list_app_certs(
    State(p): State<Arc<Platform>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if p.store.app(&name).await?.is_none() {
        return Err(ApiError::not_found(format!("app `{name}` not found")));
    }
    certs_of(&p, Some(&name)).await
}

async fn certs_of(p: &Platform, app: Option<&str>) -> Result<Response, ApiError> {
    let now = unix_now();
    let certs: Vec<CertView> =
        p.store.list_certs(app).await?.into_iter().map(|c| CertView::new(c, now)).collect();
    Ok(success(StatusCode::OK, serde_json::json!({ "certs": certs })))
}

fn normalize_serial(serial: &str) -> Result<String, ApiError> {
    let s = serial.trim().to_ascii_lowercase().replace(':', "");
    if s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::invalid("serial: hexadecimal digits (colons allowed)"));
    }
    Ok(s)
}

async fn get_cert(State(p): State<Arc<Platform>>, Path(serial): Path<String>) -> Result<Response, ApiError> {
    let serial = normalize_serial(&serial)?;
    let c = p
        .store
        .cert(&serial)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("certificate {serial} not found")))?;
    Ok(success(StatusCode::OK, CertView::new(c, unix_now())))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    reason: Option<String>,
}

async fn revoke_cert(
    State(p): State<Arc<Platform>>,
    Path(serial): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let serial = normalize_serial(&serial)?;
    // The body is optional: `{}` or nothing at all.
    let body = crate::extract::read_body(req.into_body(), p.config.max_body_bytes).await?;
    let revoke: Revoke = if body.iter().all(u8::is_ascii_whitespace) {
        Revoke::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(format!("invalid JSON body: {e}")))?
    };
    let reason = revoke.reason.unwrap_or_else(|| "unspecified".to_owned());
    if reason.len() > 200 {
        return Err(ApiError::invalid("reason: at most 200 characters"));
    }
    let record = p.store.revoke_cert(&serial, unix_now(), &reason).await?;
    reload(&p).await?;
    tracing::warn!(serial = %serial, app = %record.app_name, reason = %reason, "certificate revoked");
    Ok(success(StatusCode::OK, CertView::new(record, unix_now())))
}

/// Prometheus text: the limiter's state (more counters come with the console).
async fn metrics(State(p): State<Arc<Platform>>) -> Response {
    let body = format!(
        "{}# HELP intoss_apps Apps.\n# TYPE intoss_apps gauge\nintoss_apps {}\n\
         # HELP intoss_certificates Client certificates known to the gateway.\n# TYPE intoss_certificates gauge\nintoss_certificates {}\n\
         # HELP intoss_snapshot_age_seconds Since the last successful re-read of apps and certificates began ([cluster] max_staleness_ms bounds it).\n\
         # TYPE intoss_snapshot_age_seconds gauge\nintoss_snapshot_age_seconds {:.3}\n",
        p.limiter_kind.metrics(),
        p.snapshot.load().apps.len(),
        p.snapshot.load().certs.len(),
        p.snapshot_age().as_secs_f64(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The console's overview: requests per app over the last hour, and certificates reaching an
/// expiry threshold.
async fn stats(State(p): State<Arc<Platform>>) -> Result<Response, ApiError> {
    let now = unix_now();
    let expiring: Vec<CertView> = p
        .store
        .list_certs(None)
        .await?
        .into_iter()
        .map(|c| CertView::new(c, now))
        .filter(|c| c.expiry_warning.is_some())
        .collect();
    Ok(success(StatusCode::OK, serde_json::json!({ "apps": p.stats.last_hour(now), "expiring": expiring })))
}

async fn expiry_notices(State(p): State<Arc<Platform>>) -> Result<Response, ApiError> {
    let notices: Vec<serde_json::Value> = p
        .store
        .expiry_notices()
        .await?
        .into_iter()
        .map(|n| {
            serde_json::json!({
                "serial": n.serial,
                "app": n.app_name,
                "threshold_days": n.threshold_days,
                "sent_at": rfc3339(n.sent_at),
                "not_after": rfc3339(n.not_after),
            })
        })
        .collect();
    Ok(success(StatusCode::OK, serde_json::json!({ "notices": notices })))
}
