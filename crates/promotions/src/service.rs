//! What each promotion call does. Every method takes `now` (Unix seconds) so tests move time.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use intoss_proto::api::pay::USER_KEY_HEADER;
use intoss_proto::api::promotions::{
    self as api, CreatePromotion, ExecutePromotion, ExecutionResult, PatchPromotion, PointsLedger,
    PromoExecution, PromoExecutionList, Promotion, PromotionExecuted, PromotionKey, PromotionList,
    SimPromoFail,
};
use intoss_proto::times::rfc3339;
use intoss_store::{
    ExecuteOutcome, PromoExecutionRecord, PromoKeyRecord, PromotionRecord, Store, StoreError,
};

use crate::PromotionError;

fn parse_user_key(header: Option<&str>) -> Result<i64, PromotionError> {
    intoss_proto::api::pay::parse_user_key(header)
        .map_err(|reason| PromotionError::invalid(USER_KEY_HEADER, reason))
}

fn code_ok(s: &str) -> bool {
    !s.is_empty() && s.len() <= 50 && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
}

/// The stored status as callers see it: a `PENDING` execution has settled at `settles_at`.
fn effective(e: &PromoExecutionRecord, now: i64) -> &str {
    if e.status == "PENDING" && now >= e.settles_at { "SUCCESS" } else { &e.status }
}

fn promotion_view(p: PromotionRecord) -> Promotion {
    Promotion {
        remaining: p.budget - p.spent,
        created_at: rfc3339(p.created_at),
        app: p.app_name,
        promotion_code: p.promotion_code,
        name: p.name,
        budget: p.budget,
        spent: p.spent,
        per_grant_max: p.per_grant_max,
        state: p.state,
        settle_secs: p.settle_secs,
    }
}

fn execution_view(e: PromoExecutionRecord, now: i64) -> PromoExecution {
    PromoExecution {
        status: effective(&e, now).to_owned(),
        created_at: rfc3339(e.created_at),
        key: e.promo_key,
        app: e.app_name,
        promotion_code: e.promotion_code,
        user_id: e.user_id,
        user_key: e.user_key,
        amount: e.amount,
        test: e.test,
        failed_reason: e.failed_reason,
    }
}

/// Promotions over the platform's store.
pub struct PromotionService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for PromotionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromotionService").finish_non_exhaustive()
    }
}

impl PromotionService {
    /// Promotions over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn require_app(&self, app: &str) -> Result<(), PromotionError> {
        match self.store.app(app).await? {
            Some(_) => Ok(()),
            None => Err(PromotionError::NotFound(format!("app `{app}` not found"))),
        }
    }

    /// The user of `key` in `app`, logged in and still a Toss user.
    async fn user_of(&self, app: &str, key: i64) -> Result<String, PromotionError> {
        let user = intoss_store::live_user(self.store.as_ref(), app, key)
            .await?
            .map_err(|why| PromotionError::UserKeyNotFound(why.reason(key)))?;
        Ok(user.user_id)
    }

    // === the console ===

    /// Adds a promotion to an app, running.
    pub async fn create(
        &self,
        app: &str,
        b: &CreatePromotion,
        now: i64,
    ) -> Result<Promotion, PromotionError> {
        if !code_ok(&b.promotion_code) || b.promotion_code.starts_with(api::TEST_PREFIX) {
            return Err(PromotionError::invalid(
                "promotion_code",
                "must be 1 to 50 of A-Z a-z 0-9 _ - and not start with TEST_ (that prefix asks for a test execution)",
            ));
        }
        let n = b.name.trim().chars().count();
        if n == 0 || b.name.chars().count() > 100 {
            return Err(PromotionError::invalid("name", "must be 1 to 100 characters"));
        }
        if !(1..=1_000_000_000).contains(&b.budget) {
            return Err(PromotionError::invalid("budget", "must be 1 to 1,000,000,000 points"));
        }
        if !(1..=b.budget).contains(&b.per_grant_max) {
            return Err(PromotionError::invalid("per_grant_max", "must be 1 to the budget"));
        }
        let settle_secs = b.settle_secs.unwrap_or(2);
        if !(0..=3_600).contains(&settle_secs) {
            return Err(PromotionError::invalid("settle_secs", "must be 0 to 3600 seconds"));
        }
        self.require_app(app).await?;
        let record = PromotionRecord {
            app_name: app.to_owned(),
            promotion_code: b.promotion_code.clone(),
            name: b.name.trim().to_owned(),
            budget: b.budget,
            spent: 0,
            per_grant_max: b.per_grant_max,
            state: "RUNNING".into(),
            settle_secs,
            created_at: now,
        };
        self.store.insert_promotion(&record).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                PromotionError::AlreadyExists(format!("app `{app}` has a promotion `{}`", b.promotion_code))
            }
            e => e.into(),
        })?;
        tracing::info!(%app, promotion = %record.promotion_code, budget = record.budget, "promotions: added");
        Ok(promotion_view(record))
    }

    /// An app's promotions, by code.
    pub async fn promotions(&self, app: &str) -> Result<PromotionList, PromotionError> {
        self.require_app(app).await?;
        let promotions = self.store.list_promotions(app).await?.into_iter().map(promotion_view).collect();
        Ok(PromotionList { promotions })
    }

    /// Pauses, resumes or ends a promotion; an ended one stays ended.
    pub async fn set_state(
        &self,
        app: &str,
        code: &str,
        b: &PatchPromotion,
    ) -> Result<Promotion, PromotionError> {
        if !api::PROMOTION_STATES.contains(&b.state.as_str()) {
            return Err(PromotionError::invalid("state", "must be RUNNING, PAUSED or ENDED"));
        }
        self.require_app(app).await?;
        match self.store.set_promotion_state(app, code, &b.state).await? {
            Some(p) => {
                tracing::info!(%app, promotion = %code, state = %p.state, "promotions: state set");
                Ok(promotion_view(p))
            }
            None => match self.store.promotion(app, code).await? {
                Some(_) => {
                    Err(PromotionError::InvalidState(format!("promotion `{code}` has ended for good")))
                }
                None => Err(PromotionError::NotFound(format!("app `{app}` has no promotion `{code}`"))),
            },
        }
    }

    /// The executions of an app, newest first (at most 500).
    pub async fn executions(&self, app: &str, now: i64) -> Result<PromoExecutionList, PromotionError> {
        self.require_app(app).await?;
        let executions = self
            .store
            .list_promo_executions(Some(app), None, 500)
            .await?
            .into_iter()
            .map(|e| execution_view(e, now))
            .collect();
        Ok(PromoExecutionList { executions })
    }

    /// A user's points: every execution for them and the points granted.
    pub async fn points(&self, user_id: &str, now: i64) -> Result<PointsLedger, PromotionError> {
        if self.store.user(user_id).await?.is_none() {
            return Err(PromotionError::NotFound(format!("user `{user_id}` not found")));
        }
        let entries: Vec<PromoExecution> = self
            .store
            .list_promo_executions(None, Some(user_id), 1_000)
            .await?
            .into_iter()
            .map(|e| execution_view(e, now))
            .collect();
        // Summed in the store: the entries are only the newest 1,000.
        let balance = self.store.points_balance(user_id, now).await?;
        Ok(PointsLedger { user_id: user_id.to_owned(), balance, entries })
    }

    /// The app of the execution with key `key`.
    pub async fn app_of_execution(&self, key: &str) -> Result<String, PromotionError> {
        match self.store.promo_execution(key).await? {
            Some(e) => Ok(e.app_name),
            None => Err(PromotionError::NotFound("no execution with this key".into())),
        }
    }

    /// The simulator: a pending execution fails, and its points go back to the budget.
    pub async fn sim_fail(&self, b: &SimPromoFail, now: i64) -> Result<PromoExecution, PromotionError> {
        let reason = b.reason.clone().unwrap_or_else(|| "지급 실패".to_owned());
        if reason.trim().is_empty() || reason.chars().count() > 100 {
            return Err(PromotionError::invalid("reason", "must be 1 to 100 characters"));
        }
        match self.store.fail_promo_execution(&b.key, &reason, now).await? {
            Some(e) => {
                tracing::info!(app = %e.app_name, promotion = %e.promotion_code, "promotions: execution failed in the simulator");
                Ok(execution_view(e, now))
            }
            None => match self.store.promo_execution(&b.key).await? {
                Some(e) => Err(PromotionError::InvalidState(format!(
                    "the execution is {}: only a PENDING one can fail",
                    effective(&e, now)
                ))),
                None => Err(PromotionError::NotFound("no execution with this key".into())),
            },
        }
    }

    // === the partner's three steps ===

    /// `execute-promotion/get-key`: a single-use key for the user, valid for an hour.
    pub async fn get_key(
        &self,
        app: &str,
        user_key: Option<&str>,
        now: i64,
    ) -> Result<PromotionKey, PromotionError> {
        let key = parse_user_key(user_key)?;
        let user_id = self.user_of(app, key).await?;
        let mut b = [0u8; 18];
        aws_lc_rs::rand::fill(&mut b).map_err(|_| PromotionError::internal("no randomness"))?;
        let record = PromoKeyRecord {
            promo_key: format!("pk{}", URL_SAFE_NO_PAD.encode(b)),
            app_name: app.to_owned(),
            user_id,
            user_key: key,
            created_at: now,
            expires_at: now + api::KEY_TTL_SECS,
            used_at: None,
        };
        self.store.insert_promo_key(&record).await?;
        Ok(PromotionKey { key: record.promo_key })
    }

    /// `execute-promotion`: gives `amount` points of the promotion with a key of `get-key`.
    pub async fn execute(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &ExecutePromotion,
        now: i64,
    ) -> Result<PromotionExecuted, PromotionError> {
        let key = parse_user_key(user_key)?;
        let (code, test) = match b.promotion_code.strip_prefix(api::TEST_PREFIX) {
            Some(rest) => (rest, true),
            None => (b.promotion_code.as_str(), false),
        };
        if !code_ok(code) {
            return Err(PromotionError::invalid(
                "promotionCode",
                "must be a promotion code, or TEST_ and one",
            ));
        }
        if b.key.is_empty() || b.key.len() > 64 {
            return Err(PromotionError::invalid("key", "must be a key of get-key"));
        }
        if b.amount <= 0 {
            return Err(PromotionError::invalid("amount", "must be a positive number of points"));
        }
        let user_id = self.user_of(app, key).await?;
        let Some(p) = self.store.promotion(app, code).await? else {
            return Err(PromotionError::PromotionNotFound(format!("this app has no promotion `{code}`")));
        };
        if b.amount > p.per_grant_max {
            return Err(PromotionError::OverLimit(format!(
                "amount {} is over the promotion's limit of {} points per grant",
                b.amount, p.per_grant_max
            )));
        }
        let record = PromoExecutionRecord {
            promo_key: b.key.clone(),
            app_name: app.to_owned(),
            promotion_code: code.to_owned(),
            user_id,
            user_key: key,
            amount: b.amount,
            test,
            status: "PENDING".into(),
            created_at: now,
            settles_at: now + p.settle_secs,
            failed_reason: None,
        };
        match self.store.execute_promotion(&record).await? {
            ExecuteOutcome::Executed => {}
            ExecuteOutcome::KeyUnusable => return Err(self.key_refusal(&b.key, app, key, now).await?),
            ExecuteOutcome::NotRunning => {
                let state = self.store.promotion(app, code).await?.map(|p| p.state).unwrap_or_default();
                return Err(if state == "ENDED" {
                    PromotionError::Ended(format!("promotion `{code}` has ended"))
                } else {
                    PromotionError::Paused(format!("promotion `{code}` is paused"))
                });
            }
            ExecuteOutcome::InsufficientBudget => {
                let left = self.store.promotion(app, code).await?.map_or(0, |p| p.budget - p.spent);
                return Err(PromotionError::InsufficientBudget(format!(
                    "promotion `{code}` has {left} points left, less than {}",
                    b.amount
                )));
            }
        }
        tracing::info!(%app, promotion = %code, amount = b.amount, test, "promotions: executed");
        Ok(PromotionExecuted {
            key: b.key.clone(),
            promotion_code: b.promotion_code.clone(),
            amount: b.amount,
            status: "PENDING".into(),
        })
    }

    /// Why a key was refused: used (`4113`), or unknown, expired, another's (`4110`).
    async fn key_refusal(
        &self,
        key: &str,
        app: &str,
        user_key: i64,
        now: i64,
    ) -> Result<PromotionError, PromotionError> {
        Ok(match self.store.promo_key(key).await? {
            Some(k) if k.app_name == app && k.user_key == user_key && k.used_at.is_some() => {
                PromotionError::AlreadyGranted("this key was used for a grant already: get a new key".into())
            }
            Some(k) if k.app_name == app && k.user_key == user_key && k.expires_at <= now => {
                PromotionError::CannotGrant("the key has expired (keys last an hour): get a new key".into())
            }
            _ => PromotionError::CannotGrant("the key is not one this app got for this user".into()),
        })
    }

    /// `execution-result`: `PENDING`, then `SUCCESS` (or `FAILED`).
    pub async fn result(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &ExecutionResult,
        now: i64,
    ) -> Result<String, PromotionError> {
        let key = parse_user_key(user_key)?;
        let code = b.promotion_code.strip_prefix(api::TEST_PREFIX).unwrap_or(&b.promotion_code);
        match self.store.promo_execution(&b.key).await? {
            Some(e) if e.app_name == app && e.user_key == key && e.promotion_code == code => {
                Ok(effective(&e, now).to_owned())
            }
            _ => Err(PromotionError::NotFound(format!(
                "no execution of `{}` with this key for this app and user",
                b.promotion_code
            ))),
        }
    }
}
