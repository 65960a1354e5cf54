//! Toss Pay (토스페이) for a partner backend: make a payment, let the user approve it in the
//! Toss app (`checkoutPayment({payToken})` in the front end), execute it, read its status,
//! refund it in part or in full.
//!
//! ```no_run
//! # async fn demo(partner: intoss_client::PartnerClient, user_key: i64) -> Result<(), intoss_client::ClientError> {
//! use intoss_client::pay::PayClient;
//! use intoss_proto::api::pay::{ExecutePayment, MakePayment};
//!
//! let pay = PayClient::new(partner);
//! let made = pay.make(user_key, &MakePayment::new("order-2026-0001", "프리미엄 이용권 1개월", 9900, true)).await?;
//! // … the front end calls checkoutPayment({ payToken: made.pay_token }) and the user approves …
//! let done = pay
//!     .execute(user_key, &ExecutePayment { pay_token: made.pay_token, order_no: None, is_test_payment: true })
//!     .await?;
//! println!("{} paid {}", done.order_no, done.paid_amount);
//! # Ok(()) }
//! ```
//!
//! Execution and refunds are safe to retry: a payment is executed once whatever the number of
//! calls (a retry after success answers `PAYMENT_ALREADY_COMPLETED`; read the status), and a
//! refund retried with the same `refundNo` answers the same refund.

use hyper::http::Method;
use intoss_proto::api::pay::{
    BASE, ExecutePayment, GetPaymentStatus, MakePayment, PaymentExecuted, PaymentMade, PaymentRefunded,
    PaymentStatus, RefundPayment, USER_KEY_HEADER,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ClientError, PartnerClient, decode_envelope};

/// Toss Pay for the app whose certificate the [`PartnerClient`] presents. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PayClient {
    partner: PartnerClient,
}

impl PayClient {
    /// Toss Pay over `partner`.
    pub fn new(partner: PartnerClient) -> Self {
        Self { partner }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        route: &str,
        user_key: i64,
        body: &B,
    ) -> Result<T, ClientError> {
        let key = user_key.to_string();
        let body = serde_json::to_vec(body).map_err(|e| ClientError::Config(format!("request body: {e}")))?;
        let headers = [("content-type", "application/json"), (USER_KEY_HEADER, key.as_str())];
        let resp = self.partner.send(Method::POST, &format!("{BASE}{route}"), &headers, Some(body)).await?;
        decode_envelope(&resp)
    }

    /// `make-payment`: a payment of the user `user_key` (the app's userKey from Toss Login),
    /// awaiting their approval; its `payToken`.
    pub async fn make(&self, user_key: i64, payment: &MakePayment) -> Result<PaymentMade, ClientError> {
        self.call("make-payment", user_key, payment).await
    }

    /// `execute-payment`: charges an approved payment. Before approval it is
    /// `PAYMENT_NOT_APPROVED`, after a decline `PAYMENT_CANCELED`, the second time
    /// `PAYMENT_ALREADY_COMPLETED` (the [`ClientError::Api`] code).
    pub async fn execute(&self, user_key: i64, req: &ExecutePayment) -> Result<PaymentExecuted, ClientError> {
        self.call("execute-payment", user_key, req).await
    }

    /// `refund-payment`: all that is refundable, or `amount` of it.
    pub async fn refund(&self, user_key: i64, req: &RefundPayment) -> Result<PaymentRefunded, ClientError> {
        self.call("refund-payment", user_key, req).await
    }

    /// `get-payment-status`, by `payToken` or `orderNo`.
    pub async fn status(&self, user_key: i64, req: &GetPaymentStatus) -> Result<PaymentStatus, ClientError> {
        self.call("get-payment-status", user_key, req).await
    }
}
