//! Admin API for Toss Login (토스 로그인): sandbox users, each app's login settings and
//! decryption key, and the simulator's login and unlink in place of the Toss app.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use intoss_core::unix_now;
use intoss_http::{ApiError, ApiObject, success};
use intoss_proto::api::login::{
    CreateUser, LinkList, LoginSettings, PatchLoginSettings, SandboxUser, SimLogin, SimLoginCode, SimUnlink,
    SimUnlinked, UserList,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{AlreadyExists, Authenticated, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/users", get(list_users).post(create_user))
        .route("/admin/v1/users/{id}", get(get_user))
        .route("/admin/v1/users/{id}/links", get(user_links))
        .route("/admin/v1/apps/{name}/login", get(get_settings).patch(patch_settings))
        .route("/admin/v1/sim/login", post(sim_login))
        .route("/admin/v1/sim/unlink", post(sim_unlink))
}

/// Sandbox users.
#[utoipa::path(
    get,
    path = "/admin/v1/users",
    tag = "toss login",
    operation_id = "listUsers",
    responses((status = 200, description = "Every sandbox user, oldest first", body = Success<UserList>), Authenticated)
)]
pub(crate) async fn list_users(State(c): State<Arc<Console>>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.login.users().await?))
}

/// Create a sandbox user.
///
/// A person who logs in to apps in the simulator; the CI is derived from the identity when
/// not given.
#[utoipa::path(
    post,
    path = "/admin/v1/users",
    tag = "toss login",
    operation_id = "createUser",
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = Success<SandboxUser>),
        (status = 409, description = "The id is taken (ALREADY_EXISTS)", body = Fail<AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_user(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<CreateUser>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.login.create_user(&body, unix_now()).await?))
}

/// One sandbox user.
#[utoipa::path(
    get,
    path = "/admin/v1/users/{id}",
    tag = "toss login",
    operation_id = "getUser",
    params(("id" = String, Path, description = "The user's id", example = "kim-toss")),
    responses(
        (status = 200, description = "The user", body = Success<SandboxUser>),
        (status = 404, description = "No such user (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_user(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.login.user(&id).await?))
}

/// A user's links to apps.
///
/// Each app the user logged in to, with the app's userKey and the consented scopes.
#[utoipa::path(
    get,
    path = "/admin/v1/users/{id}/links",
    tag = "toss login",
    operation_id = "userLinks",
    params(("id" = String, Path, description = "The user's id", example = "kim-toss")),
    responses(
        (status = 200, description = "Newest first", body = Success<LinkList>),
        (status = 404, description = "No such user (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn user_links(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    c.login.user(&id).await?;
    Ok(success(StatusCode::OK, c.login.links(None, Some(&id)).await?))
}

/// An app's Toss Login settings and decryption key.
///
/// The key (base64, AES-256) and the AAD decrypt the fields of `login-me`; the real console
/// e-mails them ("이메일로 복호화 키 받기").
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/login",
    tag = "toss login",
    operation_id = "getLoginSettings",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "The settings", body = Success<LoginSettings>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_settings(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.login.settings(&name).await?))
}

/// Change an app's Toss Login settings.
///
/// Absent fields are left as they are, `null` clears one; `rotate_key: true` gives the app a
/// new decryption key.
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}/login",
    tag = "toss login",
    operation_id = "updateLoginSettings",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = PatchLoginSettings,
    responses(
        (status = 200, description = "The settings as stored", body = Success<LoginSettings>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_settings(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchLoginSettings>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.login.patch_settings(&name, &body).await?))
}

/// A user logs in to an app (the simulated Toss app).
///
/// Links the user to the app with the consented scopes and answers a fresh authorization code
/// (10 minutes, single use) for `generate-token`.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/login",
    tag = "simulator",
    operation_id = "simLogin",
    request_body = SimLogin,
    responses(
        (status = 201, description = "The code", body = Success<SimLoginCode>),
        (status = 404, description = "No such app or user (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_login(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimLogin>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.login.sim_login(&body, c.app_now(&body.app)).await?))
}

/// A user unlinks an app or leaves Toss (the simulated Toss app).
///
/// Ends the link (its tokens stop working) and sends each app's unlink callback, when it has
/// one, with `referrer` = the reason.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/unlink",
    tag = "simulator",
    operation_id = "simUnlink",
    request_body = SimUnlink,
    responses(
        (status = 200, description = "The links ended", body = Success<SimUnlinked>),
        (status = 404, description = "No such user, or not linked to the app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_unlink(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimUnlink>,
) -> Result<Response, ApiError> {
    Ok(success(
        StatusCode::OK,
        c.login.sim_unlink(&body, body.app.as_deref().map_or_else(unix_now, |a| c.app_now(a))).await?,
    ))
}
