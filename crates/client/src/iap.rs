//! In-app purchase (인앱 결제) for a partner backend: check the status of an order the mini-app
//! reported before granting the product.
//!
//! ```no_run
//! # async fn demo(partner: intoss_client::PartnerClient, user_key: i64) -> Result<(), intoss_client::ClientError> {
//! use intoss_client::iap::IapClient;
//!
//! let iap = IapClient::new(partner);
//! let order = iap.order_status(user_key, "0193c1a2-7c3e-7d4f-8a9b-0c1d2e3f4a5b").await?;
//! if order.status == "PAYMENT_COMPLETED" {
//!     // grant order.sku, once per orderId
//! }
//! # Ok(()) }
//! ```
//!
//! `status` is one of `intoss_proto::api::iap::ORDER_STATUSES`; an unknown order is
//! `NOT_FOUND` and another mini-app's `MINIAPP_MISMATCH`, both in a successful answer.

use hyper::http::Method;
use intoss_proto::api::iap::{BASE, GetOrderStatus, OrderStatus};
use intoss_proto::api::pay::USER_KEY_HEADER;

use crate::{ClientError, PartnerClient, decode_envelope};

/// In-app purchase for the app whose certificate the [`PartnerClient`] presents.
#[derive(Debug, Clone)]
pub struct IapClient {
    partner: PartnerClient,
}

impl IapClient {
    /// In-app purchase over `partner`.
    pub fn new(partner: PartnerClient) -> Self {
        Self { partner }
    }

    /// `get-order-status` of `order_id` for the user `user_key`.
    pub async fn order_status(&self, user_key: i64, order_id: &str) -> Result<OrderStatus, ClientError> {
        let key = user_key.to_string();
        let body = serde_json::to_vec(&GetOrderStatus { order_id: order_id.to_owned() })
            .map_err(|e| ClientError::Config(format!("request body: {e}")))?;
        let headers = [("content-type", "application/json"), (USER_KEY_HEADER, key.as_str())];
        let resp =
            self.partner.send(Method::POST, &format!("{BASE}get-order-status"), &headers, Some(body)).await?;
        decode_envelope(&resp)
    }
}
