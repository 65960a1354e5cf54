//! Admin API for sandbox controls: faults injected into an app's gateway answers, test clocks,
//! test mode, the request journal, and the sandbox state's export, import and reset.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use intoss_http::{ApiError, ApiObject, ApiQuery, BodyLimit, success};
use intoss_proto::api::sandbox::{
    AdvanceClock, AppSandbox, ExportQuery, Fault, FaultList, FaultsRemoved, Imported, NewFault,
    PatchAppSandbox, RequestLog, RequestQuery, ResetDone, SandboxState,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{Authenticated, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/apps/{name}/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/admin/v1/apps/{name}/faults/{id}", delete(delete_fault))
        .route("/admin/v1/apps/{name}/requests", get(requests))
        .route("/admin/v1/apps/{name}/sandbox", get(sandbox).patch(patch_sandbox))
        .route("/admin/v1/apps/{name}/clock", delete(reset_clock))
        .route("/admin/v1/apps/{name}/clock/advance", post(advance_clock))
        .route("/admin/v1/apps/{name}/reset", post(reset_app))
        .route("/admin/v1/sandbox/export", get(export_state))
        .route("/admin/v1/sandbox/import", post(import_state))
}

/// Largest sandbox state `POST /admin/v1/sandbox/import` reads: 64 MiB (a state is larger than
/// the API's other bodies; `[limits] max_body_bytes` stays their limit).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

struct ImportLimit;

impl BodyLimit for ImportLimit {
    fn max_body_bytes(&self) -> usize {
        MAX_IMPORT_BYTES
    }
}

/// An app's sandbox settings: test mode and its test clock.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/sandbox",
    tag = "sandbox",
    operation_id = "getAppSandbox",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "The settings", body = Success<AppSandbox>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn sandbox(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.sandbox(&name).await?))
}

/// Turn an app's test mode on or off.
///
/// A test-mode app may send `X-Intoss-Fault` on a gateway request to inject a fault into that
/// request alone, and the journal keeps its requests' and answers' bodies with personal fields
/// masked.
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}/sandbox",
    tag = "sandbox",
    operation_id = "patchAppSandbox",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = PatchAppSandbox,
    responses(
        (status = 200, description = "The settings now", body = Success<AppSandbox>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_sandbox(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchAppSandbox>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.patch_sandbox(&name, body).await?))
}

/// Move an app's test clock ahead.
///
/// From then on the app's authorization codes, tokens, payments, promotion keys and identity
/// verifications are issued and expire by its clock, and its certificates' expiry warnings
/// come by it; certificate validity in the TLS handshake stays on wall-clock time.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/clock/advance",
    tag = "sandbox",
    operation_id = "advanceClock",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = AdvanceClock,
    responses(
        (status = 200, description = "The clock now", body = Success<AppSandbox>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn advance_clock(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<AdvanceClock>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.advance_clock(&name, &body).await?))
}

/// Put an app's test clock back to wall-clock time.
#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{name}/clock",
    tag = "sandbox",
    operation_id = "resetClock",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "The clock now", body = Success<AppSandbox>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn reset_clock(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.reset_clock(&name).await?))
}

/// Empty an app's sandbox state, then write its part of the seed file again.
///
/// Removes its users' links, codes and tokens, its payments, orders, products, templates,
/// messages, promotions, faults and Toss Login / Pay settings, and its request journal; the app,
/// its certificates, renewal policy and test mode stay; its clock goes back to wall-clock time.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/reset",
    tag = "sandbox",
    operation_id = "resetApp",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "Reset", body = Success<ResetDone>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn reset_app(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let removed = c.registry.reset_app(&name).await?;
    c.stats.clear_journal(&name);
    let reseeded = match &c.seed {
        Some(seed) => crate::seed::apply(&c, seed, Some(&name)).await?,
        None => 0,
    };
    Ok(success(StatusCode::OK, ResetDone { app: name, removed, reseeded }))
}

/// Export the sandbox state.
///
/// Table rows of every app, or of one and the shared sandbox users: apps, users, Toss Login
/// links, codes and tokens (as their digests), payments, orders, products, templates, messages,
/// promotions, faults, settings. Never a private key, a certificate, an identity-verification
/// client or a webhook endpoint (a fresh data dir issues its own).
#[utoipa::path(
    get,
    path = "/admin/v1/sandbox/export",
    tag = "sandbox",
    operation_id = "exportSandbox",
    params(ExportQuery),
    responses(
        (status = 200, description = "The state", body = Success<SandboxState>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        (status = 400, description = "A bad query (INVALID_PARAMETER)", body = Fail<crate::openapi::InvalidParameter>),
        Authenticated,
    )
)]
pub(crate) async fn export_state(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.export_state(q.app.as_deref()).await?))
}

/// Import an exported sandbox state.
///
/// All or none, in one transaction. Its apps must not exist here (`ALREADY_EXISTS`); its users
/// replace users of the same id. Issue the apps new certificates afterwards: certificates are
/// not in a state. At most 64 MiB.
#[utoipa::path(
    post,
    path = "/admin/v1/sandbox/import",
    tag = "sandbox",
    operation_id = "importSandbox",
    request_body = SandboxState,
    responses(
        (status = 200, description = "Imported", body = Success<Imported>),
        (status = 409, description = "An app exists already (ALREADY_EXISTS)", body = Fail<crate::openapi::AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn import_state(State(c): State<Arc<Console>>, req: Request) -> Result<Response, ApiError> {
    let ApiObject(state) = ApiObject::<SandboxState>::from_request(req, &ImportLimit).await?;
    Ok(success(StatusCode::OK, c.registry.import_state(state).await?))
}

/// The request journal: an app's last gateway requests on this node.
///
/// Method, path without its query string, status, the `errorCode` the platform made, the
/// certificate serial, the requests left in the window and the latency; never a body, a
/// header or a query string, so no personal field. Kept in memory per node, the last 200 per
/// app. Poll with `after` = the last `next` for new ones.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/requests",
    tag = "sandbox",
    operation_id = "listRequests",
    params(("name" = String, Path, description = "The app's name", example = "my-app"), RequestQuery),
    responses(
        (status = 200, description = "Oldest first", body = Success<RequestLog>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        (status = 400, description = "A bad query (INVALID_PARAMETER)", body = Fail<crate::openapi::InvalidParameter>),
        Authenticated,
    )
)]
pub(crate) async fn requests(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> Result<Response, ApiError> {
    let after = u64::try_from(q.after.unwrap_or(0))
        .map_err(|_| ApiError::invalid_field("after", "after: 0 or more"))?;
    let limit = match q.limit.map(usize::try_from) {
        None => intoss_core::JOURNAL_SIZE,
        Some(Ok(l)) if (1..=intoss_core::JOURNAL_SIZE).contains(&l) => l,
        Some(_) => {
            let reason = format!("limit: 1 to {}", intoss_core::JOURNAL_SIZE);
            return Err(ApiError::invalid_field("limit", reason));
        }
    };
    c.registry.app(&name).await?;
    Ok(success(StatusCode::OK, c.stats.journal_tail(&name, after, limit)))
}

/// An app's injected faults, oldest first (the order they are tried in).
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/faults",
    tag = "sandbox",
    operation_id = "listFaults",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "Oldest first", body = Success<FaultList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_faults(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.registry.faults(&name).await?))
}

/// Inject a fault into an app's gateway answers.
///
/// Requests whose path starts with `path_prefix` are hit with `probability`: an HTTP 200 FAIL
/// envelope, a transport `resultType`, added latency, a dropped connection, `invalid_grant`, or
/// a 429. Applied at once (on a cluster, at each node's next snapshot).
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/faults",
    tag = "sandbox",
    operation_id = "addFault",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = NewFault,
    responses(
        (status = 201, description = "Added", body = Success<Fault>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn add_fault(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<NewFault>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.registry.add_fault(&name, body).await?))
}

/// Remove every fault of an app.
#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{name}/faults",
    tag = "sandbox",
    operation_id = "clearFaults",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "How many were removed", body = Success<FaultsRemoved>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn clear_faults(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let removed = c.registry.clear_faults(&name, None).await?;
    Ok(success(StatusCode::OK, FaultsRemoved { removed }))
}

/// Remove one fault.
#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{name}/faults/{id}",
    tag = "sandbox",
    operation_id = "deleteFault",
    params(
        ("name" = String, Path, description = "The app's name", example = "my-app"),
        ("id" = String, Path, description = "The fault's id", example = "flt_0123456789abcdef01234567"),
    ),
    responses(
        (status = 200, description = "Removed", body = Success<FaultsRemoved>),
        (status = 404, description = "No such app or fault (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn delete_fault(
    State(c): State<Arc<Console>>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let removed = c.registry.clear_faults(&name, Some(&id)).await?;
    Ok(success(StatusCode::OK, FaultsRemoved { removed }))
}
