//! In-app purchase (인앱 결제): the partner's order check on the gateway and the admin side.
//!
//! Partner side (camelCase, as the real service): `POST .../order/get-order-status` under
//! [`BASE`] with the header [`super::pay::USER_KEY_HEADER`], to check an order the mini-app
//! reported (the purchase itself happens in the Toss app, through the front-end SDK's
//! `createOneTimePurchaseOrder`).
//!
//! Admin side (snake_case): each app's products (sku), the orders, and the simulator's purchase
//! and order updates in place of the user's Toss app.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[cfg(feature = "openapi")]
use super::closed;

/// Where the in-app purchase route lives on the gateway.
pub const BASE: &str = "/api-partner/v1/apps-in-toss/order/";

/// Longest sku.
pub const SKU_MAX: usize = 64;
/// Longest product name.
pub const PRODUCT_NAME_MAX: usize = 100;

/// Every `status` of `get-order-status`. intoss stores `ORDER_IN_PROGRESS`,
/// `PAYMENT_COMPLETED`, `FAILED` and `REFUNDED`, answers `NOT_FOUND` for an unknown order and
/// `MINIAPP_MISMATCH` for another app's; `PURCHASED` (SDK ≤ 1.1.2) and `ERROR` are never sent.
pub const ORDER_STATUSES: &[&str] = &[
    "PAYMENT_COMPLETED",
    "PURCHASED",
    "ORDER_IN_PROGRESS",
    "FAILED",
    "REFUNDED",
    "NOT_FOUND",
    "MINIAPP_MISMATCH",
    "ERROR",
];

/// The statuses an order can be in.
pub const STORED_ORDER_STATUSES: &[&str] = &["ORDER_IN_PROGRESS", "PAYMENT_COMPLETED", "FAILED", "REFUNDED"];

// === partner side ===

/// `POST .../order/get-order-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetOrderStatus {
    /// The order's id (a UUID v7), as the front end's SDK reported it.
    pub order_id: String,
}

/// The answer of `get-order-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderStatus {
    /// The order.
    pub order_id: String,
    /// The product; `null` for `NOT_FOUND` and `MINIAPP_MISMATCH`.
    pub sku: Option<String>,
    /// When the status was set: `yyyy-MM-dd'T'HH:mm:ssZ` in Korea time (`+0900`); `null` for
    /// `NOT_FOUND` and `MINIAPP_MISMATCH`.
    pub status_determined_at: Option<String>,
    /// One of [`ORDER_STATUSES`].
    pub status: String,
    /// Why, for `FAILED`, `REFUNDED`, `NOT_FOUND` and `MINIAPP_MISMATCH`.
    pub reason: Option<String>,
}

// === admin side ===

/// A product an app sells in app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Product {
    /// The app.
    pub app: String,
    /// The product's id, unique per app.
    #[cfg_attr(feature = "openapi", schema(example = "gem_100"))]
    pub sku: String,
    /// Shown to the user.
    #[cfg_attr(feature = "openapi", schema(example = "보석 100개"))]
    pub name: String,
    /// In won.
    #[cfg_attr(feature = "openapi", schema(example = 1200))]
    pub price: i64,
    /// When added.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// When the app stopped selling it (old orders keep it).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub deleted_at: Option<String>,
}

/// An app's products, by sku.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProductList {
    /// The products, deleted ones included.
    pub products: Vec<Product>,
}

/// `POST /admin/v1/apps/{name}/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// 1 to 64 of `A-Z a-z 0-9 . _ -`; never reused within the app.
    #[cfg_attr(feature = "openapi", schema(example = "gem_100"))]
    pub sku: String,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(example = "보석 100개"))]
    pub name: String,
    /// In won, 1 to 10,000,000.
    #[cfg_attr(feature = "openapi", schema(example = 1200))]
    pub price: i64,
}

/// An order, as the admin API and the simulator show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Order {
    /// UUID v7.
    pub order_id: String,
    /// The app.
    pub app: String,
    /// The product.
    pub sku: String,
    /// The product's name.
    pub product_name: String,
    /// The buying sandbox user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// The price paid.
    pub amount: i64,
    /// Where the order is.
    #[cfg_attr(feature = "openapi", schema(schema_with = stored_status_schema))]
    pub status: String,
    /// Why it failed or was refunded.
    pub reason: Option<String>,
    /// When placed.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// When the status was set.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub status_determined_at: String,
}

/// Orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrderList {
    /// The orders.
    pub orders: Vec<Order>,
}

/// The query of `GET /admin/v1/orders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Only this app's orders.
    pub app: Option<String>,
    /// Only this sandbox user's orders.
    pub user: Option<String>,
}

/// `POST /admin/v1/sim/iap/purchase`: the user buys a product in the Toss app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimPurchase {
    /// The app.
    pub app: String,
    /// The sandbox user; they must have logged in to the app (Toss Login).
    pub user: String,
    /// A product of the app on sale.
    pub sku: String,
    /// How the purchase ends: `PAYMENT_COMPLETED` (default), `ORDER_IN_PROGRESS` (left in
    /// progress, to complete or fail later) or `FAILED`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = outcome_schema))]
    pub outcome: Option<String>,
    /// Why, for `FAILED`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /admin/v1/sim/iap/update`: an order in progress completes or fails; a completed one
/// is refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimOrderUpdate {
    /// The order.
    pub order_id: String,
    /// `PAYMENT_COMPLETED` or `FAILED` (from `ORDER_IN_PROGRESS`), `REFUNDED` (from
    /// `PAYMENT_COMPLETED`).
    #[cfg_attr(feature = "openapi", schema(schema_with = update_schema))]
    pub status: String,
    /// Why, for `FAILED` and `REFUNDED`.
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(feature = "openapi")]
fn stored_status_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The order's state", STORED_ORDER_STATUSES, false)
}

#[cfg(feature = "openapi")]
fn outcome_schema() -> utoipa::openapi::schema::Schema {
    closed::strings(
        "How the purchase ends (default PAYMENT_COMPLETED)",
        &["PAYMENT_COMPLETED", "ORDER_IN_PROGRESS", "FAILED"],
        true,
    )
}

#[cfg(feature = "openapi")]
fn update_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The order's new state", &["PAYMENT_COMPLETED", "FAILED", "REFUNDED"], false)
}
