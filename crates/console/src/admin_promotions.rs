//! Admin API for promotions (프로모션, 토스 포인트): each app's promotions (budget, per-grant
//! limit, state), their executions, each sandbox user's points, and the simulator's failed
//! settlement.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch, post};
use intoss_core::unix_now;
use intoss_http::{ApiError, ApiObject, success};
use intoss_proto::api::promotions::{
    CreatePromotion, PatchPromotion, PointsLedger, PromoExecution, PromoExecutionList, Promotion,
    PromotionList, SimPromoFail,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{AlreadyExists, Authenticated, InvalidState, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/apps/{name}/promotions", get(list_promotions).post(create_promotion))
        .route("/admin/v1/apps/{name}/promotions/{code}", patch(patch_promotion))
        .route("/admin/v1/apps/{name}/promotion-executions", get(list_executions))
        .route("/admin/v1/users/{id}/points", get(points))
        .route("/admin/v1/sim/promotion/fail", post(sim_fail))
}

/// An app's promotions.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/promotions",
    tag = "promotions",
    operation_id = "listPromotions",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "By code", body = Success<PromotionList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_promotions(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.promotions.promotions(&name).await?))
}

/// Add a promotion, running.
///
/// Its budget is never overspent: executions beyond it are refused with `4112`.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/promotions",
    tag = "promotions",
    operation_id = "createPromotion",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = CreatePromotion,
    responses(
        (status = 201, description = "Added", body = Success<Promotion>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The app has this code (ALREADY_EXISTS)", body = Fail<AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_promotion(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<CreatePromotion>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.promotions.create(&name, &body, c.app_now(&name)).await?))
}

/// Pause, resume or end a promotion.
///
/// An ended promotion stays ended.
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}/promotions/{code}",
    tag = "promotions",
    operation_id = "updatePromotion",
    params(
        ("name" = String, Path, description = "The app's name", example = "my-app"),
        ("code" = String, Path, description = "The promotion's code", example = "WELCOME_2026"),
    ),
    request_body = PatchPromotion,
    responses(
        (status = 200, description = "The promotion as stored", body = Success<Promotion>),
        (status = 404, description = "No such app or promotion (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "It has ended (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_promotion(
    State(c): State<Arc<Console>>,
    Path((name, code)): Path<(String, String)>,
    ApiObject(body): ApiObject<PatchPromotion>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.promotions.set_state(&name, &code, &body).await?))
}

/// An app's promotion executions.
///
/// Newest first, at most 500, tests and failures included.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/promotion-executions",
    tag = "promotions",
    operation_id = "listPromotionExecutions",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "Newest first", body = Success<PromoExecutionList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_executions(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.promotions.executions(&name, c.app_now(&name)).await?))
}

/// A sandbox user's Toss points (the simulated Toss app).
///
/// The points granted by every app's promotions, and each execution for the user.
#[utoipa::path(
    get,
    path = "/admin/v1/users/{id}/points",
    tag = "simulator",
    operation_id = "userPoints",
    params(("id" = String, Path, description = "The user's id", example = "kim-toss")),
    responses(
        (status = 200, description = "The ledger", body = Success<PointsLedger>),
        (status = 404, description = "No such user (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn points(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.promotions.points(&id, unix_now()).await?))
}

/// A pending execution fails (the simulated Toss side).
///
/// `execution-result` answers `FAILED` from then on, and the points go back to the budget.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/promotion/fail",
    tag = "simulator",
    operation_id = "simPromotionFail",
    request_body = SimPromoFail,
    responses(
        (status = 200, description = "The execution, failed", body = Success<PromoExecution>),
        (status = 404, description = "No execution with this key (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Not pending (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_fail(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimPromoFail>,
) -> Result<Response, ApiError> {
    let now = c.app_now(&c.promotions.app_of_execution(&body.key).await?);
    Ok(success(StatusCode::OK, c.promotions.sim_fail(&body, now).await?))
}
