//! Admin API for Toss Pay (토스페이): payments with their transactions, each app's pay
//! settings, and the simulator's approve and decline in place of the user's Toss app; and for
//! in-app purchase (인앱 결제): each app's products, the orders, the simulator's purchases.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use intoss_core::unix_now;
use intoss_http::{ApiError, ApiObject, ApiQuery, success};
use intoss_proto::api::iap::{
    CreateProduct, Order, OrderList, OrderQuery, Product, ProductList, SimOrderUpdate, SimPurchase,
};
use intoss_proto::api::pay::{
    PatchPaySettings, PaySettings, Payment, PaymentList, PaymentQuery, SimPayApprove, SimPayDecline,
};
use intoss_proto::envelope::schema::{Fail, Success};
use utoipa::ToSchema;

use crate::Console;
use crate::openapi::{AlreadyExists, Authenticated, InvalidState, JsonBody, NotFound};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
    Router::new()
        .route("/admin/v1/payments", get(list_payments))
        .route("/admin/v1/payments/{pay_token}", get(get_payment))
        .route("/admin/v1/apps/{name}/pay", get(get_settings).patch(patch_settings))
        .route("/admin/v1/sim/pay/approve", post(sim_approve))
        .route("/admin/v1/sim/pay/decline", post(sim_decline))
        .route("/admin/v1/apps/{name}/products", get(list_products).post(create_product))
        .route("/admin/v1/apps/{name}/products/{sku}", delete(delete_product))
        .route("/admin/v1/orders", get(list_orders))
        .route("/admin/v1/orders/{order_id}", get(get_order))
        .route("/admin/v1/sim/iap/purchase", post(sim_purchase))
        .route("/admin/v1/sim/iap/update", post(sim_update))
}

/// Why the simulator cannot approve or decline a payment (HTTP 409).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotAwaitingApproval {
    /// Declined, or not approved within its approval time.
    PaymentCanceled,
    /// Approved, executed or refunded before.
    PaymentAlreadyCompleted,
}

/// Payments.
///
/// Newest first, at most 200, with their transactions; `pending=true` keeps those awaiting
/// the user's approval (the simulator's list).
#[utoipa::path(
    get,
    path = "/admin/v1/payments",
    tag = "toss pay",
    operation_id = "listPayments",
    params(PaymentQuery),
    responses(
        (status = 200, description = "Newest first", body = Success<PaymentList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<crate::openapi::InvalidParameter>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_payments(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<PaymentQuery>,
) -> Result<Response, ApiError> {
    let list = c
        .pay
        .list(q.app.as_deref(), q.user.as_deref(), q.pending.unwrap_or(false), &|app| c.app_now(app))
        .await?;
    Ok(success(StatusCode::OK, list))
}

/// One payment, with its transactions.
#[utoipa::path(
    get,
    path = "/admin/v1/payments/{pay_token}",
    tag = "toss pay",
    operation_id = "getPayment",
    params(("pay_token" = String, Path, description = "The payment's payToken")),
    responses(
        (status = 200, description = "The payment", body = Success<Payment>),
        (status = 404, description = "No such payment (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_payment(
    State(c): State<Arc<Console>>,
    Path(pay_token): Path<String>,
) -> Result<Response, ApiError> {
    let now = c.app_now(&c.pay.app_of(&pay_token).await?);
    Ok(success(StatusCode::OK, c.pay.get(&pay_token, now).await?))
}

/// An app's Toss Pay settings.
///
/// How `isTestPayment` is read, whether live payments are refused, and how long the user has
/// to approve.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/pay",
    tag = "toss pay",
    operation_id = "getPaySettings",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "The settings", body = Success<PaySettings>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_settings(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.pay.settings(&name).await?))
}

/// Change an app's Toss Pay settings.
///
/// Absent fields are left as they are. A payment keeps the mode it was made in.
#[utoipa::path(
    patch,
    path = "/admin/v1/apps/{name}/pay",
    tag = "toss pay",
    operation_id = "updatePaySettings",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = PatchPaySettings,
    responses(
        (status = 200, description = "The settings as stored", body = Success<PaySettings>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn patch_settings(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<PatchPaySettings>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.pay.patch_settings(&name, &body).await?))
}

/// The user approves a payment (the simulated Toss app).
///
/// What `checkoutPayment({payToken})` does in the real app: the payment becomes
/// `PAY_APPROVED` and the partner may execute it.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/pay/approve",
    tag = "simulator",
    operation_id = "simPayApprove",
    request_body = SimPayApprove,
    responses(
        (status = 200, description = "The approved payment", body = Success<Payment>),
        (status = 404, description = "No such payment (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Not awaiting approval (PAYMENT_CANCELED, PAYMENT_ALREADY_COMPLETED)", body = Fail<NotAwaitingApproval>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_approve(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimPayApprove>,
) -> Result<Response, ApiError> {
    let now = c.app_now(&c.pay.app_of(&body.pay_token).await?);
    Ok(success(StatusCode::OK, c.pay.approve(&body, now).await?))
}

/// The user declines a payment (the simulated Toss app).
///
/// The payment becomes `PAY_CANCEL`; executing it answers `PAYMENT_CANCELED`.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/pay/decline",
    tag = "simulator",
    operation_id = "simPayDecline",
    request_body = SimPayDecline,
    responses(
        (status = 200, description = "The declined payment", body = Success<Payment>),
        (status = 404, description = "No such payment (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "Not awaiting approval (PAYMENT_CANCELED, PAYMENT_ALREADY_COMPLETED)", body = Fail<NotAwaitingApproval>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_decline(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimPayDecline>,
) -> Result<Response, ApiError> {
    let now = c.app_now(&c.pay.app_of(&body.pay_token).await?);
    Ok(success(StatusCode::OK, c.pay.decline(&body, now).await?))
}

// === in-app purchase ===

/// An app's products.
///
/// By sku, those no longer on sale included.
#[utoipa::path(
    get,
    path = "/admin/v1/apps/{name}/products",
    tag = "in-app purchase",
    operation_id = "listProducts",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    responses(
        (status = 200, description = "The products", body = Success<ProductList>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_products(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.iap.products(&name).await?))
}

/// Add a product to an app.
///
/// What the real console's 인앱 결제 상품 등록 does: a sku the app's users can buy.
#[utoipa::path(
    post,
    path = "/admin/v1/apps/{name}/products",
    tag = "in-app purchase",
    operation_id = "createProduct",
    params(("name" = String, Path, description = "The app's name", example = "my-app")),
    request_body = CreateProduct,
    responses(
        (status = 201, description = "Added", body = Success<Product>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The app has or had this sku (ALREADY_EXISTS)", body = Fail<AlreadyExists>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_product(
    State(c): State<Arc<Console>>,
    Path(name): Path<String>,
    ApiObject(body): ApiObject<CreateProduct>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.iap.create_product(&name, &body, c.app_now(&name)).await?))
}

/// Stop selling a product.
///
/// Its orders keep it; the sku is not reusable.
#[utoipa::path(
    delete,
    path = "/admin/v1/apps/{name}/products/{sku}",
    tag = "in-app purchase",
    operation_id = "deleteProduct",
    params(
        ("name" = String, Path, description = "The app's name", example = "my-app"),
        ("sku" = String, Path, description = "The product's sku", example = "gem_100"),
    ),
    responses(
        (status = 200, description = "The product, no longer on sale", body = Success<Product>),
        (status = 404, description = "No such app, or no such product on sale (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn delete_product(
    State(c): State<Arc<Console>>,
    Path((name, sku)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.iap.delete_product(&name, &sku, c.app_now(&name)).await?))
}

/// Orders.
///
/// Newest first, at most 200, of one app and/or one user.
#[utoipa::path(
    get,
    path = "/admin/v1/orders",
    tag = "in-app purchase",
    operation_id = "listOrders",
    params(OrderQuery),
    responses(
        (status = 200, description = "Newest first", body = Success<OrderList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<crate::openapi::InvalidParameter>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn list_orders(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.iap.orders(q.app.as_deref(), q.user.as_deref()).await?))
}

/// One order.
#[utoipa::path(
    get,
    path = "/admin/v1/orders/{order_id}",
    tag = "in-app purchase",
    operation_id = "getOrder",
    params(("order_id" = String, Path, description = "The order's id (UUID v7)")),
    responses(
        (status = 200, description = "The order", body = Success<Order>),
        (status = 404, description = "No such order (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_order(
    State(c): State<Arc<Console>>,
    Path(order_id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.iap.order(&order_id).await?))
}

/// The user buys a product (the simulated Toss app).
///
/// What `createOneTimePurchaseOrder` does in the real app. The user must have logged in to the
/// app; the order ends as `outcome` says.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/iap/purchase",
    tag = "simulator",
    operation_id = "simPurchase",
    request_body = SimPurchase,
    responses(
        (status = 201, description = "The order", body = Success<Order>),
        (status = 404, description = "No such app, user or product on sale (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The user is not logged in to the app (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_purchase(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimPurchase>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.iap.sim_purchase(&body, c.app_now(&body.app)).await?))
}

/// An order completes, fails or is refunded (the simulated Toss app).
///
/// `ORDER_IN_PROGRESS` → `PAYMENT_COMPLETED` or `FAILED`; `PAYMENT_COMPLETED` → `REFUNDED`.
#[utoipa::path(
    post,
    path = "/admin/v1/sim/iap/update",
    tag = "simulator",
    operation_id = "simOrderUpdate",
    request_body = SimOrderUpdate,
    responses(
        (status = 200, description = "The order as it is now", body = Success<Order>),
        (status = 404, description = "No such order (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The order's status does not allow this (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn sim_update(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<SimOrderUpdate>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.iap.sim_update(&body, unix_now()).await?))
}
