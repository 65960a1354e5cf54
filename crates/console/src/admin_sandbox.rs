//! Admin API for sandbox controls: faults injected into an app's gateway answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use intoss_http::{ApiError, ApiObject, ApiQuery, success};
use intoss_proto::api::sandbox::{Fault, FaultList, FaultsRemoved, NewFault, RequestLog, RequestQuery};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{Authenticated, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/apps/{name}/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/admin/v1/apps/{name}/faults/{id}", delete(delete_fault))
        .route("/admin/v1/apps/{name}/requests", get(requests))
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
