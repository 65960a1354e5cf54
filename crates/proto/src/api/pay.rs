//! Toss Pay (토스페이): the partner API on the gateway and its admin side.
//!
//! Partner side (camelCase, as the real service): `make-payment`, `execute-payment`,
//! `refund-payment`, `get-payment-status` under [`BASE`], each with the header
//! [`USER_KEY_HEADER`] naming the paying user by the app's userKey (from Toss Login).
//!
//! The life of a payment: `make-payment` → `PAY_STANDBY`; the user approves in the Toss app
//! (here: the simulator) → `PAY_APPROVED`, or declines or lets it expire → `PAY_CANCEL`;
//! `execute-payment` → `PAY_COMPLETE` with one `PAY` transaction; each `refund-payment`
//! → `REFUND_SUCCESS` with one `REFUND` transaction of a negative amount, until nothing is left
//! to refund.
//!
//! Admin side (snake_case, as the rest of `/admin/v1`): each app's payments and pay settings,
//! and the simulator's approve and decline.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[cfg(feature = "openapi")]
use super::closed;

/// Where the Toss Pay routes live on the gateway.
pub const BASE: &str = "/api-partner/v1/apps-in-toss/pay/";

/// The header that names the paying user (the app's userKey from Toss Login).
pub const USER_KEY_HEADER: &str = "x-toss-user-key";

/// The longest `orderNo`.
pub const ORDER_NO_MAX: usize = 50;

/// Reads the [`USER_KEY_HEADER`] of Toss Pay, in-app purchase, messages and promotions: the
/// userKey, or why the header is unusable (the caller names the header as the field at fault).
pub fn parse_user_key(header: Option<&str>) -> Result<i64, &'static str> {
    header
        .ok_or("required: the userKey of the user, from Toss Login")?
        .trim()
        .parse::<i64>()
        .map_err(|_| "must be a userKey (a number)")
}
/// The longest `productDesc`.
pub const PRODUCT_DESC_MAX: usize = 255;
/// The longest refund `reason`.
pub const REFUND_REASON_MAX: usize = 55;
/// The longest `payToken`.
pub const PAY_TOKEN_MAX: usize = 30;

/// Every `payStatus` of the real service. The sandbox produces `PAY_STANDBY`, `PAY_APPROVED`,
/// `PAY_CANCEL`, `PAY_COMPLETE` and `REFUND_SUCCESS`; `PAY_PROGRESS`, `REFUND_PROGRESS` and the
/// settlement states are never reached (execution and refunds complete at once).
pub const PAY_STATUSES: &[&str] = &[
    "PAY_STANDBY",
    "PAY_APPROVED",
    "PAY_CANCEL",
    "PAY_PROGRESS",
    "PAY_COMPLETE",
    "REFUND_PROGRESS",
    "REFUND_SUCCESS",
    "SETTLEMENT_COMPLETE",
    "SETTLEMENT_REFUND_COMPLETE",
];

/// How the user pays.
pub const PAY_METHODS: &[&str] = &["TOSS_MONEY", "CARD"];

/// The card companies the simulator offers: (code, name).
pub const CARD_COMPANIES: &[(&str, &str)] = &[
    ("11", "KB국민카드"),
    ("21", "하나카드"),
    ("31", "BC카드"),
    ("41", "신한카드"),
    ("51", "삼성카드"),
    ("61", "현대카드"),
    ("71", "롯데카드"),
    ("91", "NH농협카드"),
];

/// How a payment's `isTestPayment` is read. The Toss docs contradict each other: the develop
/// page says `true` is a sandbox payment, the API reference says `false` is (and `true` a real
/// charge). The sandbox never charges anyone; the reading decides the `mode` it reports and
/// which value it expects from a test build.
pub const TEST_PAYMENT_READINGS: &[&str] = &["TRUE_IS_TEST", "FALSE_IS_TEST"];

// === partner side ===

/// `POST .../make-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MakePayment {
    /// The partner's order number: at most 50 of `0-9 A-Z a-z _ - : . ^ @`, unique per app
    /// and never reusable.
    #[cfg_attr(feature = "openapi", schema(example = "order-2026-0001"))]
    pub order_no: String,
    /// What is bought: at most 255 characters, no quotes or backslash.
    #[cfg_attr(feature = "openapi", schema(example = "프리미엄 이용권 1개월"))]
    pub product_desc: String,
    /// Total amount in won.
    #[cfg_attr(feature = "openapi", schema(example = 9900))]
    pub amount: i64,
    /// The tax-free part (0 for taxable goods).
    pub amount_tax_free: i64,
    /// The taxable part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_taxable: Option<i64>,
    /// The VAT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vat: Option<i64>,
    /// The service fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_service_fee: Option<i64>,
    /// `TOSS_MONEY` or `CARD` to allow only that method; absent for both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_pay_methods: Option<String>,
    /// Whether a cash receipt is issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt: Option<bool>,
    /// `GENERAL`, `CULTURE` or `PUBLIC_TP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash_receipt_trade_option: Option<String>,
    /// `USE` or `NOT_USE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installment: Option<String>,
    /// Whether this is a test payment, as the app's reading says (see [`TEST_PAYMENT_READINGS`]).
    pub is_test_payment: bool,
}

impl MakePayment {
    /// A payment of `amount` won (all of it taxable) for `product_desc` under `order_no`, with
    /// every optional field absent: both methods allowed, no cash receipt.
    pub fn new(
        order_no: impl Into<String>,
        product_desc: impl Into<String>,
        amount: i64,
        is_test_payment: bool,
    ) -> Self {
        Self {
            order_no: order_no.into(),
            product_desc: product_desc.into(),
            amount,
            amount_tax_free: 0,
            amount_taxable: None,
            amount_vat: None,
            amount_service_fee: None,
            enable_pay_methods: None,
            cash_receipt: None,
            cash_receipt_trade_option: None,
            installment: None,
            is_test_payment,
        }
    }
}

/// The answer of `make-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentMade {
    /// What the app passes to the SDK's `checkoutPayment({payToken})` and to the other calls.
    pub pay_token: String,
}

/// `POST .../execute-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExecutePayment {
    /// The payment.
    pub pay_token: String,
    /// When given, must be the payment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Must say what `make-payment` said.
    pub is_test_payment: bool,
}

/// The answer of `execute-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentExecuted {
    /// `TEST` or `LIVE`, from `isTestPayment` and the app's reading.
    pub mode: String,
    /// The partner's order number.
    pub order_no: String,
    /// The payment.
    pub pay_token: String,
    /// The `PAY` transaction.
    pub transaction_id: String,
    /// Total amount.
    pub amount: i64,
    /// Discounts (always 0 in the sandbox).
    pub discounted_amount: i64,
    /// What the user paid.
    pub paid_amount: i64,
    /// `yyyy-MM-dd HH:mm:ss`, Korea time.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-06 14:03:11"))]
    pub approval_time: String,
    /// `결제 완료`.
    pub state_msg: String,
    /// `TOSS_MONEY` or `CARD`.
    pub pay_method: String,
    /// Card payments: the card company's code.
    pub card_company_code: Option<String>,
    /// Card payments: the card company's name.
    pub card_company_name: Option<String>,
    /// Card payments: the authorization number.
    pub card_authorization_no: Option<String>,
    /// Card payments: instalment months (0 for a lump sum).
    pub spread_out: Option<i64>,
    /// Card payments: interest-free instalments.
    pub no_interest: Option<bool>,
    /// Card payments: `CREDIT`, `CHECK` or `PREPAYMENT`.
    pub card_method_type: Option<String>,
    /// Card payments: the masked card number.
    pub card_number: Option<String>,
    /// Card payments: the card's last four digits as printed on receipts.
    pub card_num4_print: Option<String>,
    /// Card payments: the sales slip.
    pub sales_check_link_url: Option<String>,
    /// Cash receipt key, when one was issued.
    pub cash_receipt_mgt_key: Option<String>,
}

/// `POST .../refund-payment`. Without `amount` the whole refundable amount is refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefundPayment {
    /// The payment.
    pub pay_token: String,
    /// At most 55 of Korean, letters, digits and `_-:.^@()[]#/!%?&` (the documented set has no
    /// space, so a space is refused).
    #[cfg_attr(feature = "openapi", schema(example = "고객요청환불"))]
    pub reason: String,
    /// How much to refund (a partial refund); absent for everything still refundable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The tax-free part of `amount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_tax_free: Option<i64>,
    /// The partner's key for this refund: a retry with the same key answers the same refund
    /// instead of refunding again. Generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_no: Option<String>,
    /// Must say what `make-payment` said.
    pub is_test_payment: bool,
}

/// The answer of `refund-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    /// The refund's key (the request's, or generated).
    pub refund_no: String,
    /// The payment.
    pub pay_token: String,
    /// The `REFUND` transaction.
    pub transaction_id: String,
    /// `yyyy-MM-dd HH:mm:ss`, Korea time.
    pub approval_time: String,
    /// What this refund gave back.
    pub refunded_amount: i64,
    /// Discount given back (always 0).
    pub refunded_discount_amount: i64,
    /// Paid amount given back.
    pub refunded_paid_amount: i64,
    /// What is still refundable after this refund.
    pub refundable_amount: i64,
    /// Discounts of the payment (always 0).
    pub discounted_amount: i64,
    /// What the user paid.
    pub paid_amount: i64,
    /// Cash receipt key, when one was issued.
    pub cash_receipt_mgt_key: Option<String>,
}

/// `POST .../get-payment-status`: by `payToken` or by `orderNo` (one is required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetPaymentStatus {
    /// The payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// Or its order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// Must say what `make-payment` said.
    pub is_test_payment: bool,
}

/// One step of a payment: the payment itself or a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PayTransaction {
    /// `PAY` or `REFUND`.
    #[cfg_attr(feature = "openapi", schema(schema_with = step_schema))]
    pub step_type: String,
    /// The transaction.
    pub transaction_id: String,
    /// Amount of this step, negative for a refund.
    pub transaction_amount: i64,
    /// Paid amount of this step, negative for a refund.
    pub paid_amount: i64,
    /// Discount of this step (always 0).
    pub discounted_amount: i64,
    /// Points of this step (always 0).
    pub point_amount: i64,
    /// `yyyy-MM-dd HH:mm:ss`, Korea time.
    pub reg_ts: String,
}

#[cfg(feature = "openapi")]
fn step_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("`PAY` or `REFUND`", &["PAY", "REFUND"], false)
}

#[cfg(feature = "openapi")]
fn status_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("The payment's state", PAY_STATUSES, false)
}

/// The answer of `get-payment-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PaymentStatus {
    /// `TEST` or `LIVE`.
    pub mode: String,
    /// The payment.
    pub pay_token: String,
    /// The partner's order number.
    pub order_no: String,
    /// Where the payment is.
    #[cfg_attr(feature = "openapi", schema(schema_with = status_schema))]
    pub pay_status: String,
    /// `TOSS_MONEY` or `CARD`, once the user approved.
    pub pay_method: Option<String>,
    /// Total amount.
    pub amount: i64,
    /// Discounts (always 0).
    pub discounted_amount: i64,
    /// Discounts, v2 (always 0).
    pub discount_amount_v2: i64,
    /// Points used (always 0).
    pub paid_point_v2: i64,
    /// What the user paid (0 before execution).
    pub paid_amount: i64,
    /// What can still be refunded.
    pub refundable_amount: i64,
    /// As made.
    pub amount_taxable: Option<i64>,
    /// As made.
    pub amount_tax_free: i64,
    /// As made.
    pub amount_vat: Option<i64>,
    /// As made.
    pub amount_service_fee: Option<i64>,
    /// Always 0.
    pub disposable_cup_deposit: i64,
    /// Card payments: the card company.
    pub card_company_code: Option<String>,
    /// Card payments: the card company's name.
    pub card_company_name: Option<String>,
    /// Every step, oldest first.
    pub transactions: Vec<PayTransaction>,
    /// `yyyy-MM-dd HH:mm:ss`, Korea time.
    pub created_ts: String,
    /// When executed, `yyyy-MM-dd HH:mm:ss`, Korea time.
    pub paid_ts: Option<String>,
}

// === admin side ===

/// A payment as the admin API and the simulator show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Payment {
    /// The payment.
    pub pay_token: String,
    /// Its app.
    pub app: String,
    /// The paying sandbox user.
    pub user_id: String,
    /// The app's userKey for them.
    pub user_key: i64,
    /// The partner's order number.
    pub order_no: String,
    /// What is bought.
    pub product_desc: String,
    /// Total amount.
    pub amount: i64,
    /// Refunded so far.
    pub refunded_amount: i64,
    /// `TEST` or `LIVE`.
    pub mode: String,
    /// Where the payment is.
    #[cfg_attr(feature = "openapi", schema(schema_with = status_schema))]
    pub status: String,
    /// Methods the partner allowed (`null` for both).
    pub enable_pay_methods: Option<String>,
    /// Chosen on approval.
    pub pay_method: Option<String>,
    /// Chosen on approval (card payments).
    pub card_company_code: Option<String>,
    /// When made.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// When the user must have approved by.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
    /// When executed.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub paid_at: Option<String>,
    /// Every step, oldest first.
    pub transactions: Vec<PayTransaction>,
}

/// Payments, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentList {
    /// The payments.
    pub payments: Vec<Payment>,
}

/// The query of `GET /admin/v1/payments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PaymentQuery {
    /// Only this app's payments.
    pub app: Option<String>,
    /// Only this sandbox user's payments.
    pub user: Option<String>,
    /// Only payments awaiting the user's approval (what the simulator shows).
    pub pending: Option<bool>,
}

/// `POST /admin/v1/sim/pay/approve`: the user approves a payment in the Toss app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimPayApprove {
    /// The payment.
    pub pay_token: String,
    /// `CARD` (default) or `TOSS_MONEY`; must be one the partner allowed.
    #[serde(default)]
    pub method: Option<String>,
    /// Card payments: a code of [`CARD_COMPANIES`] (default `11`, KB국민카드).
    #[serde(default)]
    pub card_company_code: Option<String>,
}

/// `POST /admin/v1/sim/pay/decline`: the user closes the payment sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimPayDecline {
    /// The payment.
    pub pay_token: String,
}

/// An app's Toss Pay settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaySettings {
    /// The app.
    pub app: String,
    /// How `isTestPayment` is read: `TRUE_IS_TEST` (the develop page; default) or
    /// `FALSE_IS_TEST` (the API reference).
    #[cfg_attr(feature = "openapi", schema(schema_with = reading_schema))]
    pub test_payment_reading: String,
    /// Whether a payment whose `isTestPayment` means live is refused (`INVALID_PARAMETER`),
    /// so that a build sending the live value fails in the sandbox. Default `false`.
    pub refuse_live: bool,
    /// Seconds the user has to approve a payment before it is canceled.
    pub approval_ttl_secs: i64,
}

/// `PATCH /admin/v1/apps/{name}/pay`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchPaySettings {
    /// `TRUE_IS_TEST` or `FALSE_IS_TEST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = reading_schema_nullable))]
    pub test_payment_reading: Option<String>,
    /// Refuse live payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse_live: Option<bool>,
    /// 60 to 86,400 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_ttl_secs: Option<i64>,
}

#[cfg(feature = "openapi")]
fn reading_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("How `isTestPayment` is read", TEST_PAYMENT_READINGS, false)
}

#[cfg(feature = "openapi")]
fn reading_schema_nullable() -> utoipa::openapi::schema::Schema {
    closed::strings("How `isTestPayment` is read", TEST_PAYMENT_READINGS, true)
}
