//! Promotions (프로모션, 토스 포인트): the partner's three steps on the gateway and the admin side.
//!
//! Partner side (camelCase, as the real service), each `POST` with the header
//! [`super::pay::USER_KEY_HEADER`]: `execute-promotion/get-key` (a single-use key, 1 hour),
//! `execute-promotion` `{promotionCode, key, amount}`, `execution-result` `{promotionCode, key}`
//! (the `success` is the string `PENDING`, `SUCCESS` or `FAILED`). A `TEST_` code executes the
//! promotion without spending its budget or giving points.
//!
//! Admin side (snake_case): each app's promotions (budget, per-grant limit, state), their
//! executions, each user's points, and the simulator's failed settlement.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[cfg(feature = "openapi")]
use super::closed;

/// Where the promotion routes live on the gateway.
pub const BASE: &str = "/api-partner/v1/apps-in-toss/promotion/";

/// How long a key of `get-key` can be used, seconds.
pub const KEY_TTL_SECS: i64 = 3_600;

/// The prefix of a test execution's code.
pub const TEST_PREFIX: &str = "TEST_";

/// A promotion's states.
pub const PROMOTION_STATES: &[&str] = &["RUNNING", "PAUSED", "ENDED"];

/// An execution's results.
pub const EXECUTION_RESULTS: &[&str] = &["PENDING", "SUCCESS", "FAILED"];

// === partner side ===

/// The answer of `execute-promotion/get-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PromotionKey {
    /// Single use, valid for an hour, for this app and user.
    pub key: String,
}

/// `POST .../promotion/execute-promotion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExecutePromotion {
    /// The promotion, or `TEST_` and its code for a test.
    pub promotion_code: String,
    /// A key of `get-key`.
    pub key: String,
    /// Points to give.
    pub amount: i64,
}

/// The answer of `execute-promotion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PromotionExecuted {
    /// The key: ask `execution-result` with it.
    pub key: String,
    /// As sent.
    pub promotion_code: String,
    /// Points.
    pub amount: i64,
    /// `PENDING` until it settles.
    pub status: String,
}

/// `POST .../promotion/execution-result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    /// As executed.
    pub promotion_code: String,
    /// The execution's key.
    pub key: String,
}

// === admin side ===

/// A promotion of an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Promotion {
    /// The app.
    pub app: String,
    /// The code partners execute with.
    #[cfg_attr(feature = "openapi", schema(example = "WELCOME_2026"))]
    pub promotion_code: String,
    /// Shown in the console.
    pub name: String,
    /// Points it may give in all.
    pub budget: i64,
    /// Points given so far (pending ones included).
    pub spent: i64,
    /// Points left.
    pub remaining: i64,
    /// Most points of one grant.
    pub per_grant_max: i64,
    /// `RUNNING`, `PAUSED` or `ENDED`.
    #[cfg_attr(feature = "openapi", schema(schema_with = state_schema))]
    pub state: String,
    /// Seconds an execution stays `PENDING`.
    pub settle_secs: i64,
    /// When added.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

/// An app's promotions, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PromotionList {
    /// The promotions.
    pub promotions: Vec<Promotion>,
}

/// `POST /admin/v1/apps/{name}/promotions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePromotion {
    /// 1 to 50 of `A-Z a-z 0-9 _ -`, not starting with `TEST_`, unique per app.
    #[cfg_attr(feature = "openapi", schema(example = "WELCOME_2026"))]
    pub promotion_code: String,
    /// 1 to 100 characters.
    #[cfg_attr(feature = "openapi", schema(example = "가입 환영 포인트"))]
    pub name: String,
    /// Points in all, 1 to 1,000,000,000.
    pub budget: i64,
    /// Most points of one grant, 1 to the budget.
    pub per_grant_max: i64,
    /// Seconds an execution stays `PENDING` before `SUCCESS` (default 2, at most 3,600).
    #[serde(default)]
    pub settle_secs: Option<i64>,
}

/// `PATCH /admin/v1/apps/{name}/promotions/{code}`: pause, resume or end it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchPromotion {
    /// `RUNNING`, `PAUSED` or `ENDED` (for good).
    #[cfg_attr(feature = "openapi", schema(schema_with = state_schema))]
    pub state: String,
}

/// An execution, as the admin API and the simulator show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PromoExecution {
    /// Its key.
    pub key: String,
    /// The app.
    pub app: String,
    /// The promotion (without `TEST_`).
    pub promotion_code: String,
    /// The sandbox user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// Points.
    pub amount: i64,
    /// A `TEST_` execution: nothing spent, no points.
    pub test: bool,
    /// `PENDING`, `SUCCESS` or `FAILED`.
    #[cfg_attr(feature = "openapi", schema(schema_with = result_schema))]
    pub status: String,
    /// Why it failed.
    pub failed_reason: Option<String>,
    /// When executed.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

/// Executions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PromoExecutionList {
    /// The executions.
    pub executions: Vec<PromoExecution>,
}

/// A user's Toss points from promotions (`GET /admin/v1/users/{id}/points`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PointsLedger {
    /// The user.
    pub user_id: String,
    /// Points granted (`SUCCESS`, not tests).
    pub balance: i64,
    /// Every execution for the user, newest first, tests and failures included.
    pub entries: Vec<PromoExecution>,
}

/// `POST /admin/v1/sim/promotion/fail`: a pending execution fails (its points go back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimPromoFail {
    /// The execution's key.
    pub key: String,
    /// Why (default `지급 실패`).
    #[serde(default)]
    pub reason: Option<String>,
}

#[cfg(feature = "openapi")]
fn state_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The promotion's state", PROMOTION_STATES, false)
}

#[cfg(feature = "openapi")]
fn result_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The execution's result", EXECUTION_RESULTS, false)
}
