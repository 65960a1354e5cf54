//! What each Toss Pay call does. Every method takes `now` (Unix seconds) so tests move time;
//! every state change is written to the store before the method returns.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use intoss_proto::api::pay::{
    self as api, ExecutePayment, GetPaymentStatus, MakePayment, PatchPaySettings, PayTransaction, Payment,
    PaymentExecuted, PaymentList, PaymentMade, PaymentRefunded, PaymentStatus, RefundPayment, SimPayApprove,
    SimPayDecline,
};
use intoss_store::{PaySettingsRecord, PayTxRecord, PaymentRecord, RefundOutcome, Store};

use crate::PayError;
pub(crate) use intoss_proto::times::{kst_plain as kst, rfc3339};

/// Korea time (KST, UTC+9), in which the real service writes its timestamps.
/// `prefix` and 18 random bytes, base64url (26 characters with a two-letter prefix).
pub(crate) fn random_id(prefix: &str) -> Result<String, PayError> {
    let mut b = [0u8; 18];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| PayError::internal("no randomness"))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(b)))
}

/// `n` random decimal digits.
fn random_digits(n: usize) -> Result<String, PayError> {
    let mut b = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| PayError::internal("no randomness"))?;
    Ok(b.iter().map(|x| char::from(b'0' + x % 10)).collect())
}

/// The characters of an orderNo (and of a refundNo).
fn order_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-:.^@".contains(c)
}

/// The characters of a refund reason: Korean, letters, digits and `_-:.^@()[]#/!%?&`.
fn reason_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "_-:.^@()[]#/!%?&".contains(c)
        || ('\u{AC00}'..='\u{D7A3}').contains(&c)
        || ('\u{3131}'..='\u{318E}').contains(&c)
}

fn validate_order_no(field: &str, s: &str) -> Result<(), PayError> {
    let n = s.chars().count();
    if n == 0 || n > api::ORDER_NO_MAX {
        return Err(PayError::invalid(field, format!("must be 1 to {} characters", api::ORDER_NO_MAX)));
    }
    if let Some(c) = s.chars().find(|c| !order_char(*c)) {
        return Err(PayError::invalid(field, format!("`{c}` is not allowed: use 0-9 A-Z a-z _ - : . ^ @")));
    }
    Ok(())
}

fn validate_pay_token(s: &str) -> Result<(), PayError> {
    let n = s.chars().count();
    if n == 0 || n > api::PAY_TOKEN_MAX {
        return Err(PayError::invalid("payToken", format!("must be 1 to {} characters", api::PAY_TOKEN_MAX)));
    }
    Ok(())
}

fn one_of(field: &str, value: &Option<String>, allowed: &[&str]) -> Result<(), PayError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => {
            Err(PayError::invalid(field, format!("`{v}` is not one of {}", allowed.join(", "))))
        }
        _ => Ok(()),
    }
}

fn validate_make(b: &MakePayment) -> Result<(), PayError> {
    validate_order_no("orderNo", &b.order_no)?;
    let n = b.product_desc.chars().count();
    if n == 0 || n > api::PRODUCT_DESC_MAX {
        return Err(PayError::invalid(
            "productDesc",
            format!("must be 1 to {} characters", api::PRODUCT_DESC_MAX),
        ));
    }
    if b.product_desc.contains(['\\', '"', '\'']) {
        return Err(PayError::invalid("productDesc", "must not contain quotes or a backslash"));
    }
    if b.amount <= 0 {
        return Err(PayError::invalid("amount", "must be a positive number of won"));
    }
    if !(0..=b.amount).contains(&b.amount_tax_free) {
        return Err(PayError::invalid("amountTaxFree", "must be between 0 and amount"));
    }
    for (field, v) in [
        ("amountTaxable", b.amount_taxable),
        ("amountVat", b.amount_vat),
        ("amountServiceFee", b.amount_service_fee),
    ] {
        if v.is_some_and(|v| !(0..=b.amount).contains(&v)) {
            return Err(PayError::invalid(field, "must be between 0 and amount"));
        }
    }
    one_of("enablePayMethods", &b.enable_pay_methods, api::PAY_METHODS)?;
    one_of("cashReceiptTradeOption", &b.cash_receipt_trade_option, &["GENERAL", "CULTURE", "PUBLIC_TP"])?;
    one_of("installment", &b.installment, &["USE", "NOT_USE"])?;
    Ok(())
}

fn validate_refund(b: &RefundPayment) -> Result<(), PayError> {
    validate_pay_token(&b.pay_token)?;
    let n = b.reason.chars().count();
    if n == 0 || n > api::REFUND_REASON_MAX {
        return Err(PayError::invalid(
            "reason",
            format!("must be 1 to {} characters", api::REFUND_REASON_MAX),
        ));
    }
    if let Some(c) = b.reason.chars().find(|c| !reason_char(*c)) {
        return Err(PayError::invalid(
            "reason",
            format!("`{c}` is not allowed: use Korean, letters, digits and _-:.^@()[]#/!%?& (no spaces)"),
        ));
    }
    if b.amount.is_some_and(|a| a <= 0) {
        return Err(PayError::invalid("amount", "must be a positive number of won"));
    }
    if let Some(tf) = b.amount_tax_free
        && (tf < 0 || b.amount.is_some_and(|a| tf > a))
    {
        return Err(PayError::invalid("amountTaxFree", "must be between 0 and amount"));
    }
    if let Some(no) = &b.refund_no {
        validate_order_no("refundNo", no)?;
    }
    Ok(())
}

/// The header's userKey; `None` when absent.
pub(crate) fn parse_user_key(header: Option<&str>) -> Result<i64, PayError> {
    api::parse_user_key(header).map_err(|reason| PayError::invalid(api::USER_KEY_HEADER, reason))
}

/// The `payStatus` callers see: a `PAY_STANDBY` past its approval time is canceled.
fn effective_status(p: &PaymentRecord, now: i64) -> &str {
    if p.status == "PAY_STANDBY" && now >= p.expires_at { "PAY_CANCEL" } else { &p.status }
}

fn card_company_name(code: &str) -> Option<String> {
    api::CARD_COMPANIES.iter().find(|(c, _)| *c == code).map(|(_, n)| (*n).to_owned())
}

fn transaction_view(t: &PayTxRecord) -> PayTransaction {
    let signed = if t.step_type == "REFUND" { -t.amount } else { t.amount };
    PayTransaction {
        step_type: t.step_type.clone(),
        transaction_id: t.transaction_id.clone(),
        transaction_amount: signed,
        paid_amount: signed,
        discounted_amount: 0,
        point_amount: 0,
        reg_ts: kst(t.created_at),
    }
}

/// Toss Pay.
pub struct PayService {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for PayService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayService").finish_non_exhaustive()
    }
}

impl PayService {
    /// The service over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn settings_of(&self, app: &str) -> Result<PaySettingsRecord, PayError> {
        Ok(self.store.pay_settings(app).await?.unwrap_or_else(|| PaySettingsRecord::defaults(app)))
    }

    /// `TEST` or `LIVE` for `is_test_payment` under the app's reading.
    fn mode(settings: &PaySettingsRecord, is_test_payment: bool) -> &'static str {
        let test =
            if settings.test_payment_reading == "FALSE_IS_TEST" { !is_test_payment } else { is_test_payment };
        if test { "TEST" } else { "LIVE" }
    }

    /// The payment `pay_token` of `app` paid by the header's user; `NOT_FOUND` for another
    /// app's or another user's, and when `is_test_payment` says another mode than it was made in.
    async fn own_payment(
        &self,
        app: &str,
        user_key: Option<&str>,
        pay_token: &str,
        is_test_payment: bool,
    ) -> Result<PaymentRecord, PayError> {
        let user_key = parse_user_key(user_key)?;
        validate_pay_token(pay_token)?;
        let p = match self.store.payment(pay_token).await? {
            Some(p) if p.app_name == app && p.user_key == user_key => p,
            _ => {
                return Err(PayError::NotFound(format!(
                    "no payment `{pay_token}` of this app for this userKey"
                )));
            }
        };
        self.check_mode(app, &p, is_test_payment).await?;
        Ok(p)
    }

    async fn check_mode(&self, app: &str, p: &PaymentRecord, is_test_payment: bool) -> Result<(), PayError> {
        let settings = self.settings_of(app).await?;
        let mode = Self::mode(&settings, is_test_payment);
        if mode != p.mode {
            return Err(PayError::invalid(
                "isTestPayment",
                format!(
                    "`{is_test_payment}` means {mode} under this app's reading ({}), but the payment was made as {}",
                    settings.test_payment_reading, p.mode
                ),
            ));
        }
        Ok(())
    }

    // === partner side (the gateway; `app` is the admitted caller's) ===

    /// `make-payment`: a new payment awaiting the user's approval.
    pub async fn make(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &MakePayment,
        now: i64,
    ) -> Result<PaymentMade, PayError> {
        let key = parse_user_key(user_key)?;
        validate_make(b)?;
        let user = intoss_store::live_user(self.store.as_ref(), app, key)
            .await?
            .map_err(|why| PayError::UserKeyNotFound(why.reason(key)))?;
        let settings = self.settings_of(app).await?;
        let mode = Self::mode(&settings, b.is_test_payment);
        if mode == "LIVE" && settings.refuse_live {
            return Err(PayError::invalid(
                "isTestPayment",
                format!(
                    "`{}` means a live payment under this app's reading ({}), and the app refuses live payments",
                    b.is_test_payment, settings.test_payment_reading
                ),
            ));
        }
        let record = PaymentRecord {
            pay_token: random_id("pt")?,
            app_name: app.to_owned(),
            user_id: user.user_id,
            user_key: key,
            order_no: b.order_no.clone(),
            product_desc: b.product_desc.clone(),
            amount: b.amount,
            amount_tax_free: b.amount_tax_free,
            amount_taxable: b.amount_taxable,
            amount_vat: b.amount_vat,
            amount_service_fee: b.amount_service_fee,
            enable_pay_methods: b.enable_pay_methods.clone(),
            cash_receipt: b.cash_receipt.unwrap_or(false),
            cash_receipt_trade_option: b.cash_receipt_trade_option.clone(),
            installment: b.installment.clone(),
            mode: mode.to_owned(),
            status: "PAY_STANDBY".into(),
            pay_method: None,
            card_company_code: None,
            refunded_amount: 0,
            created_at: now,
            expires_at: now + settings.approval_ttl_secs,
            approved_at: None,
            paid_at: None,
            canceled_at: None,
        };
        self.store.insert_payment(&record).await?;
        tracing::info!(%app, order_no = %record.order_no, amount = record.amount, "toss pay: payment made");
        Ok(PaymentMade { pay_token: record.pay_token })
    }

    /// `execute-payment`: charges an approved payment, once.
    pub async fn execute(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &ExecutePayment,
        now: i64,
    ) -> Result<PaymentExecuted, PayError> {
        let p = self.own_payment(app, user_key, &b.pay_token, b.is_test_payment).await?;
        if let Some(order_no) = &b.order_no
            && *order_no != p.order_no
        {
            return Err(PayError::invalid("orderNo", "is not the payment's orderNo"));
        }
        let tx = PayTxRecord {
            transaction_id: random_id("tx")?,
            pay_token: p.pay_token.clone(),
            seq: 1,
            step_type: "PAY".into(),
            amount: p.amount,
            refund_no: None,
            reason: None,
            created_at: now,
        };
        let Some(done) = self.store.execute_payment(app, &p.pay_token, &tx).await? else {
            let current = self.store.payment(&p.pay_token).await?.unwrap_or(p);
            return Err(Self::not_executable(&current, now));
        };
        tracing::info!(%app, order_no = %done.order_no, amount = done.amount, "toss pay: payment executed");
        let card = done.pay_method.as_deref() == Some("CARD");
        let card_code = done.card_company_code.clone().filter(|_| card);
        let card_digits = if card { Some(random_digits(4)?) } else { None };
        Ok(PaymentExecuted {
            mode: done.mode.clone(),
            order_no: done.order_no.clone(),
            pay_token: done.pay_token.clone(),
            transaction_id: tx.transaction_id,
            amount: done.amount,
            discounted_amount: 0,
            paid_amount: done.amount,
            approval_time: kst(now),
            state_msg: "결제 완료".into(),
            pay_method: done.pay_method.clone().unwrap_or_else(|| "TOSS_MONEY".into()),
            card_company_name: card_code.as_deref().and_then(card_company_name),
            card_company_code: card_code,
            card_authorization_no: if card { Some(random_digits(8)?) } else { None },
            spread_out: card.then_some(0),
            no_interest: card.then_some(false),
            card_method_type: card.then(|| "CREDIT".to_owned()),
            card_number: card_digits.as_ref().map(|d| format!("5327********{d}")),
            card_num4_print: card_digits,
            sales_check_link_url: None,
            cash_receipt_mgt_key: None,
        })
    }

    /// Why `p` cannot be executed now.
    fn not_executable(p: &PaymentRecord, now: i64) -> PayError {
        match effective_status(p, now) {
            "PAY_STANDBY" => PayError::NotApproved(format!(
                "payment `{}` awaits the user's approval in the Toss app (checkoutPayment)",
                p.pay_token
            )),
            "PAY_CANCEL" => PayError::Canceled(format!(
                "payment `{}` was canceled: the user declined or did not approve in time",
                p.pay_token
            )),
            _ => PayError::AlreadyCompleted(format!(
                "payment `{}` was executed before; see get-payment-status",
                p.pay_token
            )),
        }
    }

    /// `refund-payment`: gives back `amount` (or everything left). A retry with the same
    /// `refundNo` answers the first refund.
    pub async fn refund(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &RefundPayment,
        now: i64,
    ) -> Result<PaymentRefunded, PayError> {
        validate_refund(b)?;
        let p = self.own_payment(app, user_key, &b.pay_token, b.is_test_payment).await?;
        // Without an amount, everything left. With nothing left this asks for 1 won, which the
        // store's compare-and-set refuses; the store still answers a retried refundNo with its
        // first refund, so a retry of a full refund whose answer was lost gets that answer.
        let amount = b.amount.unwrap_or((p.amount - p.refunded_amount).max(1));
        let refund_no = match &b.refund_no {
            Some(no) => no.clone(),
            None => random_id("rf")?,
        };
        let tx = PayTxRecord {
            transaction_id: random_id("tx")?,
            pay_token: p.pay_token.clone(),
            seq: 0,
            step_type: "REFUND".into(),
            amount,
            refund_no: Some(refund_no.clone()),
            reason: Some(b.reason.clone()),
            created_at: now,
        };
        let (after, tx) = match self.store.refund_payment(app, &p.pay_token, &tx).await? {
            RefundOutcome::Refunded(after, tx) => {
                tracing::info!(%app, order_no = %after.order_no, amount, "toss pay: payment refunded");
                (after, tx)
            }
            RefundOutcome::Replayed(after, tx) => (after, tx),
            _ => {
                let current = self.store.payment(&p.pay_token).await?.unwrap_or(p);
                // "Everything left" was read before a concurrent refund committed: ask again for
                // what is left now (once; the compare-and-set still decides).
                let left = current.amount - current.refunded_amount;
                if b.amount.is_none() && left > 0 && left < amount {
                    let retry = PayTxRecord { amount: left, transaction_id: random_id("tx")?, ..tx };
                    if let RefundOutcome::Refunded(after, tx) | RefundOutcome::Replayed(after, tx) =
                        self.store.refund_payment(app, &current.pay_token, &retry).await?
                    {
                        tracing::info!(%app, order_no = %after.order_no, amount = left, "toss pay: payment refunded");
                        return Ok(Self::refunded(refund_no, &after, tx));
                    }
                }
                return Err(Self::not_refundable(&current, amount, now));
            }
        };
        Ok(Self::refunded(refund_no, &after, tx))
    }

    fn refunded(refund_no: String, after: &PaymentRecord, tx: PayTxRecord) -> PaymentRefunded {
        PaymentRefunded {
            refund_no,
            pay_token: after.pay_token.clone(),
            transaction_id: tx.transaction_id,
            approval_time: kst(tx.created_at),
            refunded_amount: tx.amount,
            refunded_discount_amount: 0,
            refunded_paid_amount: tx.amount,
            refundable_amount: after.amount - after.refunded_amount,
            discounted_amount: 0,
            paid_amount: after.amount,
            cash_receipt_mgt_key: None,
        }
    }

    /// Why `amount` of `p` cannot be refunded.
    fn not_refundable(p: &PaymentRecord, amount: i64, now: i64) -> PayError {
        let left = p.amount - p.refunded_amount;
        match effective_status(p, now) {
            "PAY_COMPLETE" | "REFUND_SUCCESS" if left > 0 => PayError::RefundAmountExceeded(format!(
                "amount: {amount} is more than the refundableAmount {left} of payment `{}`",
                p.pay_token
            )),
            "PAY_COMPLETE" | "REFUND_SUCCESS" => {
                PayError::NotRefundable(format!("payment `{}` was refunded in full", p.pay_token))
            }
            status => PayError::NotRefundable(format!(
                "payment `{}` is {status}: only an executed payment can be refunded",
                p.pay_token
            )),
        }
    }

    /// `get-payment-status`, by payToken or by orderNo.
    pub async fn status(
        &self,
        app: &str,
        user_key: Option<&str>,
        b: &GetPaymentStatus,
        now: i64,
    ) -> Result<PaymentStatus, PayError> {
        let p = match (&b.pay_token, &b.order_no) {
            (Some(token), _) => self.own_payment(app, user_key, token, b.is_test_payment).await?,
            (None, Some(order_no)) => {
                let key = parse_user_key(user_key)?;
                validate_order_no("orderNo", order_no)?;
                let p = match self.store.payment_by_order(app, order_no).await? {
                    Some(p) if p.user_key == key => p,
                    _ => {
                        return Err(PayError::NotFound(format!(
                            "no payment with orderNo `{order_no}` of this app for this userKey"
                        )));
                    }
                };
                self.check_mode(app, &p, b.is_test_payment).await?;
                p
            }
            (None, None) => return Err(PayError::invalid("payToken", "payToken or orderNo is required")),
        };
        let txs = self.store.pay_transactions(&p.pay_token).await?;
        let paid = if p.paid_at.is_some() { p.amount } else { 0 };
        Ok(PaymentStatus {
            mode: p.mode.clone(),
            pay_token: p.pay_token.clone(),
            order_no: p.order_no.clone(),
            pay_status: effective_status(&p, now).to_owned(),
            pay_method: p.pay_method.clone(),
            amount: p.amount,
            discounted_amount: 0,
            discount_amount_v2: 0,
            paid_point_v2: 0,
            paid_amount: paid,
            refundable_amount: if p.paid_at.is_some() { p.amount - p.refunded_amount } else { 0 },
            amount_taxable: p.amount_taxable,
            amount_tax_free: p.amount_tax_free,
            amount_vat: p.amount_vat,
            amount_service_fee: p.amount_service_fee,
            disposable_cup_deposit: 0,
            card_company_name: p.card_company_code.as_deref().and_then(card_company_name),
            card_company_code: p.card_company_code.clone(),
            transactions: txs.iter().map(transaction_view).collect(),
            created_ts: kst(p.created_at),
            paid_ts: p.paid_at.map(kst),
        })
    }

    // === the simulator and the admin API ===

    async fn view(&self, p: PaymentRecord, now: i64) -> Result<Payment, PayError> {
        let txs = self.store.pay_transactions(&p.pay_token).await?;
        Ok(Payment {
            status: effective_status(&p, now).to_owned(),
            transactions: txs.iter().map(transaction_view).collect(),
            created_at: rfc3339(p.created_at),
            expires_at: rfc3339(p.expires_at),
            paid_at: p.paid_at.map(rfc3339),
            pay_token: p.pay_token,
            app: p.app_name,
            user_id: p.user_id,
            user_key: p.user_key,
            order_no: p.order_no,
            product_desc: p.product_desc,
            amount: p.amount,
            refunded_amount: p.refunded_amount,
            mode: p.mode,
            enable_pay_methods: p.enable_pay_methods,
            pay_method: p.pay_method,
            card_company_code: p.card_company_code,
        })
    }

    /// One payment.
    pub async fn get(&self, pay_token: &str, now: i64) -> Result<Payment, PayError> {
        match self.store.payment(pay_token).await? {
            Some(p) => self.view(p, now).await,
            None => Err(PayError::NotFound(format!("payment `{pay_token}` not found"))),
        }
    }

    /// The app a payment belongs to.
    pub async fn app_of(&self, pay_token: &str) -> Result<String, PayError> {
        match self.store.payment(pay_token).await? {
            Some(p) => Ok(p.app_name),
            None => Err(PayError::NotFound(format!("payment `{pay_token}` not found"))),
        }
    }

    /// Payments, newest first (at most 200), of one app and/or one user; with `pending`, only
    /// those awaiting the user's approval. Each is judged at `now_of` its app (the apps' test
    /// clocks differ).
    pub async fn list(
        &self,
        app: Option<&str>,
        user_id: Option<&str>,
        pending: bool,
        now_of: &(dyn Fn(&str) -> i64 + Send + Sync),
    ) -> Result<PaymentList, PayError> {
        if let Some(app) = app
            && self.store.app(app).await?.is_none()
        {
            return Err(PayError::NotFound(format!("app `{app}` not found")));
        }
        let status = pending.then_some("PAY_STANDBY");
        let mut payments = Vec::new();
        for p in self.store.list_payments(app, user_id, status, 200).await? {
            let now = now_of(&p.app_name);
            if pending && effective_status(&p, now) != "PAY_STANDBY" {
                continue;
            }
            payments.push(self.view(p, now).await?);
        }
        Ok(PaymentList { payments })
    }

    /// The user approves in the Toss app, paying by `method` (a card by default).
    pub async fn approve(&self, b: &SimPayApprove, now: i64) -> Result<Payment, PayError> {
        let Some(p) = self.store.payment(&b.pay_token).await? else {
            return Err(PayError::NotFound(format!("payment `{}` not found", b.pay_token)));
        };
        let method = b.method.clone().unwrap_or_else(|| {
            if p.enable_pay_methods.as_deref() == Some("TOSS_MONEY") { "TOSS_MONEY" } else { "CARD" }
                .to_owned()
        });
        if !api::PAY_METHODS.contains(&method.as_str()) {
            return Err(PayError::invalid("method", format!("`{method}` is not one of TOSS_MONEY, CARD")));
        }
        if p.enable_pay_methods.as_deref().is_some_and(|allowed| allowed != method) {
            return Err(PayError::invalid(
                "method",
                format!(
                    "the partner allows only {} for this payment",
                    p.enable_pay_methods.unwrap_or_default()
                ),
            ));
        }
        let card = if method == "CARD" {
            let code = b.card_company_code.clone().unwrap_or_else(|| "11".into());
            if card_company_name(&code).is_none() {
                let codes: Vec<_> = api::CARD_COMPANIES.iter().map(|(c, n)| format!("{c} ({n})")).collect();
                return Err(PayError::invalid(
                    "card_company_code",
                    format!("`{code}` is not one of {}", codes.join(", ")),
                ));
            }
            Some(code)
        } else {
            None
        };
        match self.store.approve_payment(&p.pay_token, now, &method, card.as_deref()).await? {
            Some(done) => {
                tracing::info!(app = %done.app_name, order_no = %done.order_no, %method, "toss pay: the user approved");
                self.view(done, now).await
            }
            None => Err(Self::not_pending(&p, now)),
        }
    }

    /// The user closes the payment sheet.
    pub async fn decline(&self, b: &SimPayDecline, now: i64) -> Result<Payment, PayError> {
        let Some(p) = self.store.payment(&b.pay_token).await? else {
            return Err(PayError::NotFound(format!("payment `{}` not found", b.pay_token)));
        };
        if effective_status(&p, now) != "PAY_STANDBY" {
            return Err(Self::not_pending(&p, now));
        }
        match self.store.cancel_payment(&p.pay_token, now).await? {
            Some(done) => self.view(done, now).await,
            None => Err(Self::not_pending(&p, now)),
        }
    }

    fn not_pending(p: &PaymentRecord, now: i64) -> PayError {
        match effective_status(p, now) {
            "PAY_CANCEL" => PayError::Canceled(format!(
                "payment `{}` was canceled: declined, or not approved within its approval time",
                p.pay_token
            )),
            status => PayError::AlreadyCompleted(format!(
                "payment `{}` is {status}: only a payment awaiting approval can be approved or declined",
                p.pay_token
            )),
        }
    }

    /// An app's settings.
    pub async fn settings(&self, app: &str) -> Result<api::PaySettings, PayError> {
        if self.store.app(app).await?.is_none() {
            return Err(PayError::NotFound(format!("app `{app}` not found")));
        }
        let s = self.settings_of(app).await?;
        Ok(api::PaySettings {
            app: s.app_name,
            test_payment_reading: s.test_payment_reading,
            refuse_live: s.refuse_live,
            approval_ttl_secs: s.approval_ttl_secs,
        })
    }

    /// Changes an app's settings.
    pub async fn patch_settings(
        &self,
        app: &str,
        patch: &PatchPaySettings,
    ) -> Result<api::PaySettings, PayError> {
        if self.store.app(app).await?.is_none() {
            return Err(PayError::NotFound(format!("app `{app}` not found")));
        }
        let mut s = self.settings_of(app).await?;
        if let Some(r) = &patch.test_payment_reading {
            if !api::TEST_PAYMENT_READINGS.contains(&r.as_str()) {
                return Err(PayError::invalid(
                    "test_payment_reading",
                    format!("`{r}` is not one of {}", api::TEST_PAYMENT_READINGS.join(", ")),
                ));
            }
            s.test_payment_reading = r.clone();
        }
        if let Some(v) = patch.refuse_live {
            s.refuse_live = v;
        }
        if let Some(ttl) = patch.approval_ttl_secs {
            if !(60..=86_400).contains(&ttl) {
                return Err(PayError::invalid("approval_ttl_secs", "must be 60 to 86400 seconds"));
            }
            s.approval_ttl_secs = ttl;
        }
        self.store.put_pay_settings(&s).await?;
        self.settings(app).await
    }
}
