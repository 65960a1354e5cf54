//! Admin API for events and webhooks: each app's endpoints and their secrets, the event log with
//! every delivery and attempt, replay, sample events (`intoss trigger`), and the pull of
//! `intoss listen` (the CLI claims an app's deliveries here and forwards them locally).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use intoss_core::unix_now;
use intoss_http::{ApiError, ApiObject, ApiQuery, success};
use intoss_proto::api::events::{
    CreateEndpoint, Endpoint, EndpointList, EndpointSecret, Event, EventList, EventQuery, Listen,
    PatchEndpoint, PullQuery, PullResult, PulledList, Recorded, ReplayFailed, Replayed, Trigger,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{Authenticated, InvalidParameter, InvalidState, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/apps/{name}/webhook-endpoints", get(list_endpoints).post(create_endpoint))
        .route(
            "/admin/v1/webhook-endpoints/{id}",
            get(get_endpoint).patch(patch_endpoint).delete(delete_endpoint),
        )
        .route("/admin/v1/webhook-endpoints/{id}/rotate-secret", post(rotate_secret))
        .route("/admin/v1/webhook-endpoints/{id}/retire-secret", post(retire_secret))
        .route("/admin/v1/webhook-endpoints/{id}/pull", post(pull))
        .route("/admin/v1/deliveries/{id}/result", post(pull_result))
        .route("/admin/v1/apps/{name}/events", get(list_events))
        .route("/admin/v1/apps/{name}/events/trigger", post(trigger))
        .route("/admin/v1/apps/{name}/events/replay-failed", post(replay_failed))
        .route("/admin/v1/apps/{name}/listen", post(listen))
        .route("/admin/v1/events/{id}", get(get_event))
        .route("/admin/v1/events/{id}/replay", post(replay))
}

/// An app's webhook endpoints.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/webhook-endpoints",
    tag = "events",
    operation_id = "listWebhookEndpoints",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "Oldest first", body = Success<EndpointList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_endpoints(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.endpoints(Some(&name)).await?))
}

/// Add a webhook endpoint to an app.
///
/// Events of the app (of the types asked for) are delivered to `url`, signed with the secret
/// answered here, which is shown only this once. A private, loopback or link-local target is
/// refused unless `local` is true.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/webhook-endpoints",
    tag = "events",
    operation_id = "createWebhookEndpoint",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = CreateEndpoint,
    responses(
        (status = 201, description = "Added, with its secret", body = Success<EndpointSecret>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_endpoint(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<CreateEndpoint>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.events.create_endpoint(&name, body, unix_now()).await?))
}

/// One webhook endpoint.
#[utoipa::path(
    get,
    path = "/admin/v1/webhook-endpoints/{id}",
    tag = "events",
    operation_id = "getWebhookEndpoint",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The endpoint", body = Success<Endpoint>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_endpoint(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.endpoint(&id).await?))
}

/// Change a webhook endpoint.
///
/// `enabled: true` turns an endpoint the platform disabled (a 410) back on.
#[utoipa::path(
    patch,
    path = "/admin/v1/webhook-endpoints/{id}",
    tag = "events",
    operation_id = "patchWebhookEndpoint",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = PatchEndpoint,
    responses(
        (status = 200, description = "As stored", body = Success<Endpoint>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_endpoint(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<PatchEndpoint>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.patch_endpoint(&id, body, unix_now()).await?))
}

/// Delete a webhook endpoint and its deliveries.
#[utoipa::path(
    delete,
    path = "/admin/v1/webhook-endpoints/{id}",
    tag = "events",
    operation_id = "deleteWebhookEndpoint",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Deleted (as it was)", body = Success<Endpoint>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn delete_endpoint(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.delete_endpoint(&id).await?))
}

/// Start a secret rotation.
///
/// A new secret (answered once) signs every delivery from now on, together with the newest old
/// one, so a receiver that knows either accepts; retire the old one when the receiver has the new.
#[utoipa::path(
    post,
    path = "/admin/v1/webhook-endpoints/{id}/rotate-secret",
    tag = "events",
    operation_id = "rotateWebhookSecret",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The new secret", body = Success<EndpointSecret>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn rotate_secret(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.rotate(&id, unix_now()).await?))
}

/// End a secret rotation: only the newest secret signs.
#[utoipa::path(
    post,
    path = "/admin/v1/webhook-endpoints/{id}/retire-secret",
    tag = "events",
    operation_id = "retireWebhookSecret",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "One secret left", body = Success<Endpoint>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Only one secret (INVALID_STATE)", body = Fail<InvalidState>),
        Authenticated,
    )
)]
pub(crate) async fn retire_secret(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.retire(&id, unix_now()).await?))
}

/// An app's events, with every delivery and attempt.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/events",
    tag = "events",
    operation_id = "listEvents",
    params(("name" = String, Path, description = "The app's name", example = "my-app"), EventQuery),
    responses(
        (status = 200, description = "Newest first", body = Success<EventList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_events(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.events(&name, q.limit.unwrap_or(50)).await?))
}

/// One event, with every delivery and attempt.
#[utoipa::path(
    get,
    path = "/admin/v1/events/{id}",
    tag = "events",
    operation_id = "getEvent",
    params(("id" = String, Path, description = "The event's id (evt_…)")),
    responses(
        (status = 200, description = "The event", body = Success<Event>),
        (status = 404, description = "No such event (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_event(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.event(&id).await?))
}

/// Deliver an event again.
///
/// Each of its deliveries (delivered or failed; not one in flight) is queued now, and its retry
/// schedule starts over.
#[utoipa::path(
    post,
    path = "/admin/v1/events/{id}/replay",
    tag = "events",
    operation_id = "replayEvent",
    params(("id" = String, Path, description = "The event's id (evt_…)")),
    responses(
        (status = 200, description = "Deliveries queued", body = Success<Replayed>),
        (status = 404, description = "No such event (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn replay(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.replay(&id, unix_now()).await?))
}

/// Deliver again everything that failed since a time.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/events/replay-failed",
    tag = "events",
    operation_id = "replayFailedEvents",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = ReplayFailed,
    responses(
        (status = 200, description = "Deliveries queued", body = Success<Replayed>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn replay_failed(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<ReplayFailed>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.replay_failed(&name, &body.since, unix_now()).await?))
}

/// Emit a sample event.
///
/// An event of the type with sample data (`"sample": true`), delivered like a real one.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/events/trigger",
    tag = "events",
    operation_id = "triggerEvent",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = Trigger,
    responses(
        (status = 201, description = "The event", body = Success<Event>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn trigger(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<Trigger>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.events.trigger(&name, &body.event_type, unix_now()).await?))
}

/// The app's listen endpoint (for `intoss listen`).
///
/// Made on first use and the same afterwards, with the same secret: a local receiver keeps its
/// configured secret across restarts. Its deliveries are not posted by the platform; the CLI
/// pulls them and forwards them.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/listen",
    tag = "events",
    operation_id = "listen",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = Listen,
    responses(
        (status = 200, description = "The endpoint and its secret", body = Success<EndpointSecret>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn listen(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<Listen>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.listen(&name, body, unix_now()).await?))
}

/// Pull the due deliveries of a listen endpoint, signed.
///
/// Each is leased to the caller for 30 s; report what the forward target answered.
#[utoipa::path(
    post,
    path = "/admin/v1/webhook-endpoints/{id}/pull",
    tag = "events",
    operation_id = "pullDeliveries",
    params(("id" = String, Path, description = "The listen endpoint's id"), PullQuery),
    responses(
        (status = 200, description = "Oldest first; empty when none came within `wait`", body = Success<PulledList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        (status = 404, description = "No such endpoint (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Not a listen endpoint (INVALID_STATE)", body = Fail<InvalidState>),
        Authenticated,
    )
)]
pub(crate) async fn pull(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.pull(&id, q.wait.unwrap_or(0), unix_now).await?))
}

/// Report what the forward target of a pulled delivery answered.
#[utoipa::path(
    post,
    path = "/admin/v1/deliveries/{id}/result",
    tag = "events",
    operation_id = "reportDelivery",
    params(("id" = String, Path, description = "The delivery's id")),
    request_body = PullResult,
    responses(
        (status = 200, description = "Recorded: the delivery's state", body = Success<Recorded>),
        (status = 404, description = "No such delivery (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The attempt is not leased to a listener any more (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn pull_result(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
    ApiObject(body): ApiObject<PullResult>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.events.pull_result(&id, body, unix_now()).await?))
}
