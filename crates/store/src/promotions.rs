//! Promotion records and their part of the store ([`PromotionStore`]).
//!
//! An execution claims its key, spends the budget and records itself in one transaction, each
//! step a compare-and-set: a key is used once, and the budget is never overspent, however many
//! executions race, across processes and nodes.

use crate::Result;

/// A promotion of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    /// The app.
    pub app_name: String,
    /// The code partners execute with, unique per app.
    pub promotion_code: String,
    /// Shown in the console.
    pub name: String,
    /// Points the promotion may grant in all.
    pub budget: i64,
    /// Points granted so far.
    pub spent: i64,
    /// Most points of one grant.
    pub per_grant_max: i64,
    /// `RUNNING`, `PAUSED` or `ENDED`.
    pub state: String,
    /// How long an execution stays `PENDING`.
    pub settle_secs: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// A key of `get-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoKeyRecord {
    /// The key.
    pub promo_key: String,
    /// The app that asked for it.
    pub app_name: String,
    /// The user it is for.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unusable from then on.
    pub expires_at: i64,
    /// When an execution used it.
    pub used_at: Option<i64>,
}

/// An execution of a promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoExecutionRecord {
    /// Its key.
    pub promo_key: String,
    /// The app.
    pub app_name: String,
    /// The promotion (without the `TEST_` prefix).
    pub promotion_code: String,
    /// The user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// Points.
    pub amount: i64,
    /// A `TEST_` execution: nothing spent, no points.
    pub test: bool,
    /// `PENDING`, `SUCCESS` or `FAILED` as stored (a `PENDING` past `settles_at` is `SUCCESS`).
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// When it settles.
    pub settles_at: i64,
    /// Why it failed.
    pub failed_reason: Option<String>,
}

/// Why an execution was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecuteOutcome {
    /// Recorded (and, unless a test, the budget spent).
    Executed,
    /// The key is unknown, another app's or user's, used, or expired.
    KeyUnusable,
    /// The promotion is not running.
    NotRunning,
    /// Less budget is left than the amount.
    InsufficientBudget,
}

/// Promotion state.
#[async_trait::async_trait]
pub trait PromotionStore: Send + Sync + 'static {
    /// Adds a promotion. [`crate::StoreError::Conflict`] if the app has the code.
    async fn insert_promotion(&self, p: &PromotionRecord) -> Result<()>;
    /// One promotion.
    async fn promotion(&self, app: &str, code: &str) -> Result<Option<PromotionRecord>>;
    /// The app's promotions, by code.
    async fn list_promotions(&self, app: &str) -> Result<Vec<PromotionRecord>>;
    /// Sets a promotion's state (`RUNNING`, `PAUSED`, `ENDED`); an ended one stays ended.
    /// `None` if there is no such promotion or it has ended.
    async fn set_promotion_state(
        &self,
        app: &str,
        code: &str,
        state: &str,
    ) -> Result<Option<PromotionRecord>>;

    /// Records a key of `get-key`.
    async fn insert_promo_key(&self, k: &PromoKeyRecord) -> Result<()>;
    /// One key.
    async fn promo_key(&self, key: &str) -> Result<Option<PromoKeyRecord>>;
    /// In one transaction: claims `e.promo_key` (this app's and user's, unused, unexpired at
    /// `e.created_at`), spends `e.amount` of a running promotion's budget unless `e.test`, and
    /// records `e`. Nothing is written unless all three hold.
    async fn execute_promotion(&self, e: &PromoExecutionRecord) -> Result<ExecuteOutcome>;
    /// One execution, by its key.
    async fn promo_execution(&self, key: &str) -> Result<Option<PromoExecutionRecord>>;
    /// Compare-and-set: a `PENDING` execution that has not settled at `now` fails, and its
    /// amount goes back to the budget (unless a test). `None` if it was not pending.
    async fn fail_promo_execution(
        &self,
        key: &str,
        reason: &str,
        now: i64,
    ) -> Result<Option<PromoExecutionRecord>>;
    /// The points a user was granted: executions that are not tests and are `SUCCESS`, or
    /// `PENDING` and settled at `now`.
    async fn points_balance(&self, user_id: &str, now: i64) -> Result<i64>;
    /// Executions, newest first, of one app and/or one user.
    async fn list_promo_executions(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PromoExecutionRecord>>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct PromotionRow {
    app_name: String,
    promotion_code: String,
    name: String,
    budget: i64,
    spent: i64,
    per_grant_max: i64,
    state: String,
    settle_secs: i64,
    created_at: i64,
}

impl From<PromotionRow> for PromotionRecord {
    fn from(r: PromotionRow) -> Self {
        Self {
            app_name: r.app_name,
            promotion_code: r.promotion_code,
            name: r.name,
            budget: r.budget,
            spent: r.spent,
            per_grant_max: r.per_grant_max,
            state: r.state,
            settle_secs: r.settle_secs,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PromoKeyRow {
    promo_key: String,
    app_name: String,
    user_id: String,
    user_key: i64,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl From<PromoKeyRow> for PromoKeyRecord {
    fn from(r: PromoKeyRow) -> Self {
        Self {
            promo_key: r.promo_key,
            app_name: r.app_name,
            user_id: r.user_id,
            user_key: r.user_key,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PromoExecutionRow {
    promo_key: String,
    app_name: String,
    promotion_code: String,
    user_id: String,
    user_key: i64,
    amount: i64,
    test: bool,
    status: String,
    created_at: i64,
    settles_at: i64,
    failed_reason: Option<String>,
}

impl From<PromoExecutionRow> for PromoExecutionRecord {
    fn from(r: PromoExecutionRow) -> Self {
        Self {
            promo_key: r.promo_key,
            app_name: r.app_name,
            promotion_code: r.promotion_code,
            user_id: r.user_id,
            user_key: r.user_key,
            amount: r.amount,
            test: r.test,
            status: r.status,
            created_at: r.created_at,
            settles_at: r.settles_at,
            failed_reason: r.failed_reason,
        }
    }
}

/// The columns of [`PromotionRow`].
macro_rules! promotion_columns {
    () => {
        "app_name, promotion_code, name, budget, spent, per_grant_max, state, settle_secs, created_at"
    };
}

/// The columns of [`PromoExecutionRow`].
macro_rules! promo_execution_columns {
    () => {
        "promo_key, app_name, promotion_code, user_id, user_key, amount, test, status, created_at, settles_at,
         failed_reason"
    };
}

/// Implements [`PromotionStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_promotion_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::PromotionStore for $ty {
            async fn insert_promotion(&self, p: &$crate::PromotionRecord) -> $crate::Result<()> {
                sqlx::query(concat!(
                    "INSERT INTO promotions (",
                    $crate::promotions::promotion_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(&p.app_name)
                .bind(&p.promotion_code)
                .bind(&p.name)
                .bind(p.budget)
                .bind(p.spent)
                .bind(p.per_grant_max)
                .bind(&p.state)
                .bind(p.settle_secs)
                .bind(p.created_at)
                .execute(&self.pool)
                .await
                .map_err(|e| {
                    $crate::sql::insert_error(e, format!("promotion `{}`", p.promotion_code), &p.app_name)
                })?;
                Ok(())
            }

            async fn promotion(&self, app: &str, code: &str) -> $crate::Result<Option<$crate::PromotionRecord>> {
                let row: Option<$crate::promotions::PromotionRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::promotions::promotion_columns!(),
                    " FROM promotions WHERE app_name = $1 AND promotion_code = $2"
                ))
                .bind(app)
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_promotions(&self, app: &str) -> $crate::Result<Vec<$crate::PromotionRecord>> {
                let rows: Vec<$crate::promotions::PromotionRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::promotions::promotion_columns!(),
                    " FROM promotions WHERE app_name = $1 ORDER BY promotion_code"
                ))
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn set_promotion_state(
                &self,
                app: &str,
                code: &str,
                state: &str,
            ) -> $crate::Result<Option<$crate::PromotionRecord>> {
                // `fetch_all`: see `create_app`; an unacknowledged change must not be reported.
                let rows: Vec<$crate::promotions::PromotionRow> = sqlx::query_as(concat!(
                    "UPDATE promotions SET state = $3
                      WHERE app_name = $1 AND promotion_code = $2 AND state <> 'ENDED' RETURNING ",
                    $crate::promotions::promotion_columns!()
                ))
                .bind(app)
                .bind(code)
                .bind(state)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().next().map(Into::into))
            }

            async fn insert_promo_key(&self, k: &$crate::PromoKeyRecord) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO promo_keys (promo_key, app_name, user_id, user_key, created_at, expires_at, used_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&k.promo_key)
                .bind(&k.app_name)
                .bind(&k.user_id)
                .bind(k.user_key)
                .bind(k.created_at)
                .bind(k.expires_at)
                .bind(k.used_at)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, "promotion key".into(), &k.app_name))?;
                Ok(())
            }

            async fn promo_key(&self, key: &str) -> $crate::Result<Option<$crate::PromoKeyRecord>> {
                let row: Option<$crate::promotions::PromoKeyRow> = sqlx::query_as(
                    "SELECT promo_key, app_name, user_id, user_key, created_at, expires_at, used_at
                     FROM promo_keys WHERE promo_key = $1",
                )
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn execute_promotion(
                &self,
                e: &$crate::PromoExecutionRecord,
            ) -> $crate::Result<$crate::ExecuteOutcome> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<$crate::ExecuteOutcome> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let claimed: Option<(String,)> = sqlx::query_as(
                        "UPDATE promo_keys SET used_at = $4
                          WHERE promo_key = $1 AND app_name = $2 AND user_key = $3 AND used_at IS NULL
                            AND expires_at > $4
                          RETURNING promo_key",
                    )
                    .bind(&e.promo_key)
                    .bind(&e.app_name)
                    .bind(e.user_key)
                    .bind(e.created_at)
                    .fetch_optional(&mut *t)
                    .await?;
                    if claimed.is_none() {
                        t.rollback().await?;
                        return Ok($crate::ExecuteOutcome::KeyUnusable);
                    }
                    let spend = if e.test { 0 } else { e.amount };
                    let spent: Option<(i64,)> = sqlx::query_as(
                        "UPDATE promotions SET spent = spent + $3
                          WHERE app_name = $1 AND promotion_code = $2 AND state = 'RUNNING'
                            AND spent + $3 <= budget
                          RETURNING spent",
                    )
                    .bind(&e.app_name)
                    .bind(&e.promotion_code)
                    .bind(spend)
                    .fetch_optional(&mut *t)
                    .await?;
                    if spent.is_none() {
                        let state: Option<(String,)> = sqlx::query_as(
                            "SELECT state FROM promotions WHERE app_name = $1 AND promotion_code = $2",
                        )
                        .bind(&e.app_name)
                        .bind(&e.promotion_code)
                        .fetch_optional(&mut *t)
                        .await?;
                        t.rollback().await?;
                        return Ok(match state {
                            Some((s,)) if s == "RUNNING" => $crate::ExecuteOutcome::InsufficientBudget,
                            _ => $crate::ExecuteOutcome::NotRunning,
                        });
                    }
                    sqlx::query(concat!(
                        "INSERT INTO promo_executions (",
                        $crate::promotions::promo_execution_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    ))
                    .bind(&e.promo_key)
                    .bind(&e.app_name)
                    .bind(&e.promotion_code)
                    .bind(&e.user_id)
                    .bind(e.user_key)
                    .bind(e.amount)
                    .bind(e.test)
                    .bind(&e.status)
                    .bind(e.created_at)
                    .bind(e.settles_at)
                    .bind(&e.failed_reason)
                    .execute(&mut *t)
                    .await?;
                    $crate::events::emit_in!(t, &$crate::events::data::promotion(e, e.created_at))?;
                    t.commit().await?;
                    Ok($crate::ExecuteOutcome::Executed)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn promo_execution(&self, key: &str) -> $crate::Result<Option<$crate::PromoExecutionRecord>> {
                let row: Option<$crate::promotions::PromoExecutionRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::promotions::promo_execution_columns!(),
                    " FROM promo_executions WHERE promo_key = $1"
                ))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn fail_promo_execution(
                &self,
                key: &str,
                reason: &str,
                now: i64,
            ) -> $crate::Result<Option<$crate::PromoExecutionRecord>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::PromoExecutionRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<$crate::promotions::PromoExecutionRow> = sqlx::query_as(concat!(
                        "UPDATE promo_executions SET status = 'FAILED', failed_reason = $2
                          WHERE promo_key = $1 AND status = 'PENDING' AND settles_at > $3 RETURNING ",
                        $crate::promotions::promo_execution_columns!()
                    ))
                    .bind(key)
                    .bind(reason)
                    .bind(now)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    let e: $crate::PromoExecutionRecord = row.into();
                    if !e.test {
                        sqlx::query(
                            "UPDATE promotions SET spent = spent - $3 WHERE app_name = $1 AND promotion_code = $2",
                        )
                        .bind(&e.app_name)
                        .bind(&e.promotion_code)
                        .bind(e.amount)
                        .execute(&mut *t)
                        .await?;
                    }
                    $crate::events::emit_in!(t, &$crate::events::data::promotion(&e, now))?;
                    t.commit().await?;
                    Ok(Some(e))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn points_balance(&self, user_id: &str, now: i64) -> $crate::Result<i64> {
                let (sum,): (i64,) = sqlx::query_as(
                    "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM promo_executions
                      WHERE user_id = $1 AND NOT test
                        AND (status = 'SUCCESS' OR (status = 'PENDING' AND settles_at <= $2))",
                )
                .bind(user_id)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Ok(sum)
            }

            async fn list_promo_executions(
                &self,
                app: Option<&str>,
                user_id: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::PromoExecutionRecord>> {
                let rows: Vec<$crate::promotions::PromoExecutionRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::promotions::promo_execution_columns!(),
                    " FROM promo_executions WHERE ($1 IS NULL OR app_name = $1) AND ($2 IS NULL OR user_id = $2)
                      ORDER BY created_at DESC, promo_key DESC LIMIT $3"
                ))
                .bind(app)
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }
        }
    };
}

pub(crate) use {impl_promotion_store, promo_execution_columns, promotion_columns};
