//! Admin API for messages (기능성 푸시, 알림): each app's templates and their review (the real
//! console's 메시지 탭 and 검수), the messages sent, and each sandbox user's inbox for the simulator.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use intoss_http::{ApiError, ApiObject, success};
use intoss_proto::api::messages::{
    AnonKey, CreateTemplate, MessageList, ReviewTemplate, SimAnonKey, Template, TemplateList,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{AlreadyExists, Authenticated, InvalidState, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/apps/{name}/templates", get(list_templates).post(create_template))
        .route("/admin/v1/apps/{name}/templates/{code}/review", post(review_template))
        .route("/admin/v1/apps/{name}/messages", get(app_messages))
        .route("/admin/v1/users/{id}/inbox", get(inbox))
        .route("/admin/v1/sim/anon-key", post(sim_anon_key))
}

/// A user's anonymous key for an app (the simulated front-end SDK).
///
/// Made on first request, the same afterwards; a partner sends it as `x-anon-key` to message a
/// user without Toss Login.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/anon-key",
    tag = "simulator",
    operation_id = "simAnonKey",
    request_body = SimAnonKey,
    responses(
        (status = 200, description = "The key", body = Success<AnonKey>),
        (status = 404, description = "No such app or user (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_anon_key(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimAnonKey>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.messages.anon_key(&body, c.app_now(&body.app)).await?))
}

/// An app's message templates.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/templates",
    tag = "messages",
    operation_id = "listTemplates",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "By code", body = Success<TemplateList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_templates(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.messages.templates(&name).await?))
}

/// Add a message template.
///
/// It is in review (`IN_REVIEW`) until approved: only `send-test-message` can use it before.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/templates",
    tag = "messages",
    operation_id = "createTemplate",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = CreateTemplate,
    responses(
        (status = 201, description = "Added, in review", body = Success<Template>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The app has this code (ALREADY_EXISTS)", body = Fail<AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_template(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<CreateTemplate>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.messages.create_template(&name, &body, c.app_now(&name)).await?))
}

/// Approve or reject a template in review (검수).
///
/// The real review takes two to three business days; here it is this call.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/templates/{code}/review",
    tag = "messages",
    operation_id = "reviewTemplate",
    params(
        ("name" = String, Path, description = "The app's name", example = "my-app"),
        ("code" = String, Path, description = "The template's code", example = "order_ready"),
    ),
    request_body = ReviewTemplate,
    responses(
        (status = 200, description = "The template, reviewed", body = Success<Template>),
        (status = 404, description = "No such app or template (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Reviewed before (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn review_template(
    State(c): State<Arc<Console>>,
    Path((name, code)): Path<(String, String)>,
    ApiObject(body): ApiObject<ReviewTemplate>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.messages.review(&name, &code, &body, c.app_now(&name)).await?))
}

/// The messages an app sent.
///
/// Newest first, at most 500, each with its title and body as the user saw them.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/messages",
    tag = "messages",
    operation_id = "appMessages",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "Newest first", body = Success<MessageList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn app_messages(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.messages.messages(Some(&name), None).await?))
}

/// A sandbox user's inbox (the simulated Toss app).
///
/// Every push and inbox entry sent to the user by any app, newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/users/{id}/inbox",
    tag = "simulator",
    operation_id = "userInbox",
    params(("id" = String, Path, description = "The user's id", example = "kim-toss")),
    responses(
        (status = 200, description = "Newest first", body = Success<MessageList>),
        (status = 404, description = "No such user (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn inbox(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.messages.inbox(&id).await?))
}
