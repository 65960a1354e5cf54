//! Promotions (프로모션, 토스 포인트) for a partner backend: get a key, execute the promotion
//! with it, poll the result.
//!
//! ```no_run
//! # async fn demo(partner: intoss_client::PartnerClient, user_key: i64) -> Result<(), intoss_client::ClientError> {
//! use intoss_client::promotions::PromotionClient;
//!
//! let promotions = PromotionClient::new(partner);
//! let key = promotions.get_key(user_key).await?;
//! promotions.execute(user_key, "WELCOME_2026", &key, 500).await?;
//! let result = promotions.result(user_key, "WELCOME_2026", &key).await?; // "PENDING", then "SUCCESS"
//! # Ok(()) }
//! ```
//!
//! The refusals carry the client SDK's codes as `errorCode`: `4100` no such promotion, `4104`
//! paused, `4105` ended, `4110` the key cannot be used, `4112` not enough budget, `4113` the key
//! was used, `4114` over the per-grant limit. Prefix the code with `TEST_` to test without
//! spending the budget.

use hyper::http::Method;
use intoss_proto::api::pay::USER_KEY_HEADER;
use intoss_proto::api::promotions::{
    BASE, ExecutePromotion, ExecutionResult, PromotionExecuted, PromotionKey,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ClientError, PartnerClient, decode_envelope};

/// Promotions for the app whose certificate the [`PartnerClient`] presents.
#[derive(Debug, Clone)]
pub struct PromotionClient {
    partner: PartnerClient,
}

impl PromotionClient {
    /// Promotions over `partner`.
    pub fn new(partner: PartnerClient) -> Self {
        Self { partner }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        route: &str,
        user_key: i64,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let key = user_key.to_string();
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Config(format!("request body: {e}")))?;
        let headers = [("content-type", "application/json"), (USER_KEY_HEADER, key.as_str())];
        let resp = self.partner.send(Method::POST, &format!("{BASE}{route}"), &headers, body).await?;
        decode_envelope(&resp)
    }

    /// `execute-promotion/get-key`: a key for one execution, valid for an hour.
    pub async fn get_key(&self, user_key: i64) -> Result<String, ClientError> {
        let k: PromotionKey = self.call::<(), _>("execute-promotion/get-key", user_key, None).await?;
        Ok(k.key)
    }

    /// `execute-promotion`: `amount` points of `promotion_code` for the user.
    pub async fn execute(
        &self,
        user_key: i64,
        promotion_code: &str,
        key: &str,
        amount: i64,
    ) -> Result<PromotionExecuted, ClientError> {
        let body =
            ExecutePromotion { promotion_code: promotion_code.to_owned(), key: key.to_owned(), amount };
        self.call("execute-promotion", user_key, Some(&body)).await
    }

    /// `execution-result`: `PENDING`, `SUCCESS` or `FAILED`.
    pub async fn result(
        &self,
        user_key: i64,
        promotion_code: &str,
        key: &str,
    ) -> Result<String, ClientError> {
        let body = ExecutionResult { promotion_code: promotion_code.to_owned(), key: key.to_owned() };
        self.call("execution-result", user_key, Some(&body)).await
    }
}
