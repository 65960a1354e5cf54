//! Toss Pay records and their part of the store ([`PayStore`]).
//!
//! Every step of a payment (approval, cancel, execution, each refund) is one compare-and-set
//! statement, in the same transaction as the transaction row it writes: of any number of
//! concurrent executions of one payment exactly one completes it, and refunds never give back
//! more than was paid, across processes and nodes.

use crate::Result;

/// A payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The payment's token (the key).
    pub pay_token: String,
    /// The app that made it.
    pub app_name: String,
    /// The paying user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// The partner's order number (unique per app).
    pub order_no: String,
    /// What is bought.
    pub product_desc: String,
    /// Total amount.
    pub amount: i64,
    /// Tax-free part.
    pub amount_tax_free: i64,
    /// Taxable part.
    pub amount_taxable: Option<i64>,
    /// VAT.
    pub amount_vat: Option<i64>,
    /// Service fee.
    pub amount_service_fee: Option<i64>,
    /// `TOSS_MONEY`, `CARD`, or `None` for both.
    pub enable_pay_methods: Option<String>,
    /// Cash receipt requested.
    pub cash_receipt: bool,
    /// `GENERAL`, `CULTURE` or `PUBLIC_TP`.
    pub cash_receipt_trade_option: Option<String>,
    /// `USE` or `NOT_USE`.
    pub installment: Option<String>,
    /// `TEST` or `LIVE`.
    pub mode: String,
    /// The stored `payStatus` (a `PAY_STANDBY` past `expires_at` is canceled for callers).
    pub status: String,
    /// Chosen by the user on approval.
    pub pay_method: Option<String>,
    /// Chosen by the user on approval (card).
    pub card_company_code: Option<String>,
    /// Refunded so far.
    pub refunded_amount: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// The user must approve before this.
    pub expires_at: i64,
    /// When the user approved.
    pub approved_at: Option<i64>,
    /// When executed.
    pub paid_at: Option<i64>,
    /// When declined.
    pub canceled_at: Option<i64>,
}

/// One step of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayTxRecord {
    /// The transaction's id.
    pub transaction_id: String,
    /// Its payment.
    pub pay_token: String,
    /// 1 for the payment, then each refund in order: assigned by the store on insert (the value
    /// given is ignored; a record handed back by a write keeps the value it was given).
    pub seq: i64,
    /// `PAY` or `REFUND`.
    pub step_type: String,
    /// Positive; a refund gives it back.
    pub amount: i64,
    /// The partner's key of a refund.
    pub refund_no: Option<String>,
    /// Why refunded.
    pub reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// An app's Toss Pay settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaySettingsRecord {
    /// The app.
    pub app_name: String,
    /// `TRUE_IS_TEST` or `FALSE_IS_TEST`.
    pub test_payment_reading: String,
    /// Refuse payments whose `isTestPayment` means live.
    pub refuse_live: bool,
    /// Seconds the user has to approve.
    pub approval_ttl_secs: i64,
}

impl PaySettingsRecord {
    /// The settings of an app that has none stored.
    pub fn defaults(app_name: &str) -> Self {
        Self {
            app_name: app_name.to_owned(),
            test_payment_reading: "TRUE_IS_TEST".into(),
            refuse_live: false,
            approval_ttl_secs: 900,
        }
    }
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Refunded: the payment after it and the new transaction.
    Refunded(PaymentRecord, PayTxRecord),
    /// A refund with this `refund_no` had been made: the payment as it is and that refund.
    Replayed(PaymentRecord, PayTxRecord),
    /// Nothing refunded: the payment is not refundable or has less than the amount left.
    NotApplied,
}

/// Toss Pay state.
#[async_trait::async_trait]
pub trait PayStore: Send + Sync + 'static {
    /// An app's settings, if any were stored.
    async fn pay_settings(&self, app: &str) -> Result<Option<PaySettingsRecord>>;
    /// Stores an app's settings (insert or replace). The app must exist.
    async fn put_pay_settings(&self, settings: &PaySettingsRecord) -> Result<()>;

    /// Records a new payment. [`crate::StoreError::Conflict`] naming `orderNo` if the app used
    /// the order number before.
    async fn insert_payment(&self, p: &PaymentRecord) -> Result<()>;
    /// One payment.
    async fn payment(&self, pay_token: &str) -> Result<Option<PaymentRecord>>;
    /// The payment of an app by its order number.
    async fn payment_by_order(&self, app: &str, order_no: &str) -> Result<Option<PaymentRecord>>;
    /// Payments, newest first, of one app and/or one user, optionally in one stored status.
    async fn list_payments(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<PaymentRecord>>;
    /// The steps of a payment, oldest first.
    async fn pay_transactions(&self, pay_token: &str) -> Result<Vec<PayTxRecord>>;

    /// The user approves: `PAY_STANDBY` (not expired at `now`) → `PAY_APPROVED` with the chosen
    /// method. `None` if it was not awaiting approval.
    async fn approve_payment(
        &self,
        pay_token: &str,
        now: i64,
        pay_method: &str,
        card_company_code: Option<&str>,
    ) -> Result<Option<PaymentRecord>>;
    /// The user declines: `PAY_STANDBY` → `PAY_CANCEL`. `None` if it was not awaiting approval.
    async fn cancel_payment(&self, pay_token: &str, now: i64) -> Result<Option<PaymentRecord>>;
    /// The partner executes: `PAY_APPROVED` → `PAY_COMPLETE` and the `PAY` transaction `tx`,
    /// in one transaction. `None` (and nothing written) if it was not approved: exactly one
    /// of concurrent executions wins.
    async fn execute_payment(
        &self,
        app: &str,
        pay_token: &str,
        tx: &PayTxRecord,
    ) -> Result<Option<PaymentRecord>>;
    /// The partner refunds `tx.amount`: allowed from `PAY_COMPLETE` or `REFUND_SUCCESS` while at
    /// least that much is left; writes `REFUND_SUCCESS`, the refunded total and `tx` in one
    /// transaction. A `tx.refund_no` used before on the payment answers that refund instead.
    async fn refund_payment(&self, app: &str, pay_token: &str, tx: &PayTxRecord) -> Result<RefundOutcome>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct PaymentRow {
    pay_token: String,
    app_name: String,
    user_id: String,
    user_key: i64,
    order_no: String,
    product_desc: String,
    amount: i64,
    amount_tax_free: i64,
    amount_taxable: Option<i64>,
    amount_vat: Option<i64>,
    amount_service_fee: Option<i64>,
    enable_pay_methods: Option<String>,
    cash_receipt: bool,
    cash_receipt_trade_option: Option<String>,
    installment: Option<String>,
    mode: String,
    status: String,
    pay_method: Option<String>,
    card_company_code: Option<String>,
    refunded_amount: i64,
    created_at: i64,
    expires_at: i64,
    approved_at: Option<i64>,
    paid_at: Option<i64>,
    canceled_at: Option<i64>,
}

impl From<PaymentRow> for PaymentRecord {
    fn from(r: PaymentRow) -> Self {
        Self {
            pay_token: r.pay_token,
            app_name: r.app_name,
            user_id: r.user_id,
            user_key: r.user_key,
            order_no: r.order_no,
            product_desc: r.product_desc,
            amount: r.amount,
            amount_tax_free: r.amount_tax_free,
            amount_taxable: r.amount_taxable,
            amount_vat: r.amount_vat,
            amount_service_fee: r.amount_service_fee,
            enable_pay_methods: r.enable_pay_methods,
            cash_receipt: r.cash_receipt,
            cash_receipt_trade_option: r.cash_receipt_trade_option,
            installment: r.installment,
            mode: r.mode,
            status: r.status,
            pay_method: r.pay_method,
            card_company_code: r.card_company_code,
            refunded_amount: r.refunded_amount,
            created_at: r.created_at,
            expires_at: r.expires_at,
            approved_at: r.approved_at,
            paid_at: r.paid_at,
            canceled_at: r.canceled_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PayTxRow {
    transaction_id: String,
    pay_token: String,
    seq: i64,
    step_type: String,
    amount: i64,
    refund_no: Option<String>,
    reason: Option<String>,
    created_at: i64,
}

impl From<PayTxRow> for PayTxRecord {
    fn from(r: PayTxRow) -> Self {
        Self {
            transaction_id: r.transaction_id,
            pay_token: r.pay_token,
            seq: r.seq,
            step_type: r.step_type,
            amount: r.amount,
            refund_no: r.refund_no,
            reason: r.reason,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PaySettingsRow {
    app_name: String,
    test_payment_reading: String,
    refuse_live: bool,
    approval_ttl_secs: i64,
}

impl From<PaySettingsRow> for PaySettingsRecord {
    fn from(r: PaySettingsRow) -> Self {
        Self {
            app_name: r.app_name,
            test_payment_reading: r.test_payment_reading,
            refuse_live: r.refuse_live,
            approval_ttl_secs: r.approval_ttl_secs,
        }
    }
}

/// The columns of [`PaymentRow`].
macro_rules! payment_columns {
    () => {
        "pay_token, app_name, user_id, user_key, order_no, product_desc, amount, amount_tax_free,
         amount_taxable, amount_vat, amount_service_fee, enable_pay_methods, cash_receipt,
         cash_receipt_trade_option, installment, mode, status, pay_method, card_company_code,
         refunded_amount, created_at, expires_at, approved_at, paid_at, canceled_at"
    };
}

/// The columns of [`PayTxRow`].
macro_rules! pay_tx_columns {
    () => {
        "transaction_id, pay_token, seq, step_type, amount, refund_no, reason, created_at"
    };
}

/// Inserts `tx` on the transaction `t` with the next `seq` of its payment.
macro_rules! insert_pay_tx_in {
    ($t:expr, $tx:expr) => {
        sqlx::query(concat!(
            "INSERT INTO pay_transactions (",
            $crate::pay::pay_tx_columns!(),
            ") VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM pay_transactions WHERE pay_token = $2),
                       $3, $4, $5, $6, $7)"
        ))
        .bind(&$tx.transaction_id)
        .bind(&$tx.pay_token)
        .bind(&$tx.step_type)
        .bind($tx.amount)
        .bind(&$tx.refund_no)
        .bind(&$tx.reason)
        .bind($tx.created_at)
        .execute($t)
        .await
    };
}

/// Implements [`PayStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_pay_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::PayStore for $ty {
            async fn pay_settings(&self, app: &str) -> $crate::Result<Option<$crate::PaySettingsRecord>> {
                let row: Option<$crate::pay::PaySettingsRow> = sqlx::query_as(
                    "SELECT app_name, test_payment_reading, refuse_live, approval_ttl_secs
                     FROM pay_settings WHERE app_name = $1",
                )
                .bind(app)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn put_pay_settings(&self, s: &$crate::PaySettingsRecord) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO pay_settings (app_name, test_payment_reading, refuse_live, approval_ttl_secs)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (app_name) DO UPDATE SET test_payment_reading = excluded.test_payment_reading,
                       refuse_live = excluded.refuse_live, approval_ttl_secs = excluded.approval_ttl_secs",
                )
                .bind(&s.app_name)
                .bind(&s.test_payment_reading)
                .bind(s.refuse_live)
                .bind(s.approval_ttl_secs)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, "pay settings".into(), &s.app_name))?;
                Ok(())
            }

            async fn insert_payment(&self, p: &$crate::PaymentRecord) -> $crate::Result<()> {
                sqlx::query(concat!(
                    "INSERT INTO payments (",
                    $crate::pay::payment_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                               $18, $19, $20, $21, $22, $23, $24, $25)"
                ))
                .bind(&p.pay_token)
                .bind(&p.app_name)
                .bind(&p.user_id)
                .bind(p.user_key)
                .bind(&p.order_no)
                .bind(&p.product_desc)
                .bind(p.amount)
                .bind(p.amount_tax_free)
                .bind(p.amount_taxable)
                .bind(p.amount_vat)
                .bind(p.amount_service_fee)
                .bind(&p.enable_pay_methods)
                .bind(p.cash_receipt)
                .bind(&p.cash_receipt_trade_option)
                .bind(&p.installment)
                .bind(&p.mode)
                .bind(&p.status)
                .bind(&p.pay_method)
                .bind(&p.card_company_code)
                .bind(p.refunded_amount)
                .bind(p.created_at)
                .bind(p.expires_at)
                .bind(p.approved_at)
                .bind(p.paid_at)
                .bind(p.canceled_at)
                .execute(&self.pool)
                .await
                .map_err(|e| $crate::sql::insert_error(e, format!("orderNo `{}`", p.order_no), &p.app_name))?;
                Ok(())
            }

            async fn payment(&self, pay_token: &str) -> $crate::Result<Option<$crate::PaymentRecord>> {
                let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::pay::payment_columns!(),
                    " FROM payments WHERE pay_token = $1"
                ))
                .bind(pay_token)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn payment_by_order(
                &self,
                app: &str,
                order_no: &str,
            ) -> $crate::Result<Option<$crate::PaymentRecord>> {
                let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::pay::payment_columns!(),
                    " FROM payments WHERE app_name = $1 AND order_no = $2"
                ))
                .bind(app)
                .bind(order_no)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn list_payments(
                &self,
                app: Option<&str>,
                user_id: Option<&str>,
                status: Option<&str>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::PaymentRecord>> {
                let rows: Vec<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::pay::payment_columns!(),
                    " FROM payments
                      WHERE ($1 IS NULL OR app_name = $1) AND ($2 IS NULL OR user_id = $2)
                        AND ($3 IS NULL OR status = $3)
                      ORDER BY created_at DESC, pay_token DESC LIMIT $4"
                ))
                .bind(app)
                .bind(user_id)
                .bind(status)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn pay_transactions(&self, pay_token: &str) -> $crate::Result<Vec<$crate::PayTxRecord>> {
                let rows: Vec<$crate::pay::PayTxRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::pay::pay_tx_columns!(),
                    " FROM pay_transactions WHERE pay_token = $1 ORDER BY seq"
                ))
                .bind(pay_token)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn approve_payment(
                &self,
                pay_token: &str,
                now: i64,
                pay_method: &str,
                card_company_code: Option<&str>,
            ) -> $crate::Result<Option<$crate::PaymentRecord>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::PaymentRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                        "UPDATE payments SET status = 'PAY_APPROVED', approved_at = $2, pay_method = $3,
                                card_company_code = $4
                          WHERE pay_token = $1 AND status = 'PAY_STANDBY' AND expires_at > $2
                          RETURNING ",
                        $crate::pay::payment_columns!()
                    ))
                    .bind(pay_token)
                    .bind(now)
                    .bind(pay_method)
                    .bind(card_company_code)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    let p: $crate::PaymentRecord = row.into();
                    $crate::events::emit_in!(t, &$crate::events::data::payment(&p, now))?;
                    t.commit().await?;
                    Ok(Some(p))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn cancel_payment(&self, pay_token: &str, now: i64) -> $crate::Result<Option<$crate::PaymentRecord>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::PaymentRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                        "UPDATE payments SET status = 'PAY_CANCEL', canceled_at = $2
                          WHERE pay_token = $1 AND status = 'PAY_STANDBY'
                          RETURNING ",
                        $crate::pay::payment_columns!()
                    ))
                    .bind(pay_token)
                    .bind(now)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    let p: $crate::PaymentRecord = row.into();
                    $crate::events::emit_in!(t, &$crate::events::data::payment(&p, now))?;
                    t.commit().await?;
                    Ok(Some(p))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn execute_payment(
                &self,
                app: &str,
                pay_token: &str,
                tx: &$crate::PayTxRecord,
            ) -> $crate::Result<Option<$crate::PaymentRecord>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Option<$crate::PaymentRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                        "UPDATE payments SET status = 'PAY_COMPLETE', paid_at = $3
                          WHERE pay_token = $1 AND app_name = $2 AND status = 'PAY_APPROVED'
                          RETURNING ",
                        $crate::pay::payment_columns!()
                    ))
                    .bind(pay_token)
                    .bind(app)
                    .bind(tx.created_at)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    $crate::pay::insert_pay_tx_in!(&mut *t, tx)?;
                    let p: $crate::PaymentRecord = row.into();
                    $crate::events::emit_in!(t, &$crate::events::data::payment(&p, tx.created_at))?;
                    t.commit().await?;
                    Ok(Some(p))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn refund_payment(
                &self,
                app: &str,
                pay_token: &str,
                tx: &$crate::PayTxRecord,
            ) -> $crate::Result<$crate::RefundOutcome> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<$crate::RefundOutcome> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    // The update first: it locks the payment's row (PostgreSQL) or the database
                    // (SQLite), so the refund_no check below cannot race another refund.
                    let row: Option<$crate::pay::PaymentRow> = sqlx::query_as(concat!(
                        "UPDATE payments SET status = 'REFUND_SUCCESS', refunded_amount = refunded_amount + $3
                          WHERE pay_token = $1 AND app_name = $2 AND status IN ('PAY_COMPLETE', 'REFUND_SUCCESS')
                            AND amount - refunded_amount >= $3
                          RETURNING ",
                        $crate::pay::payment_columns!()
                    ))
                    .bind(pay_token)
                    .bind(app)
                    .bind(tx.amount)
                    .fetch_optional(&mut *t)
                    .await?;
                    if let Some(refund_no) = &tx.refund_no {
                        let earlier: Option<$crate::pay::PayTxRow> = sqlx::query_as(concat!(
                            "SELECT ",
                            $crate::pay::pay_tx_columns!(),
                            " FROM pay_transactions WHERE pay_token = $1 AND refund_no = $2"
                        ))
                        .bind(pay_token)
                        .bind(refund_no)
                        .fetch_optional(&mut *t)
                        .await?;
                        if let Some(earlier) = earlier {
                            t.rollback().await?;
                            let Some(now) = self.payment(pay_token).await? else {
                                return Ok($crate::RefundOutcome::NotApplied);
                            };
                            return Ok($crate::RefundOutcome::Replayed(now, earlier.into()));
                        }
                    }
                    let Some(row) = row else {
                        t.rollback().await?;
                        return Ok($crate::RefundOutcome::NotApplied);
                    };
                    $crate::pay::insert_pay_tx_in!(&mut *t, tx)?;
                    let p: $crate::PaymentRecord = row.into();
                    $crate::events::emit_in!(t, &$crate::events::data::payment(&p, tx.created_at))?;
                    t.commit().await?;
                    Ok($crate::RefundOutcome::Refunded(p, tx.clone()))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }
        }
    };
}

pub(crate) use {impl_pay_store, insert_pay_tx_in, pay_tx_columns, payment_columns};
