//! Messages (기능성 푸시, 알림) for a partner backend: send an approved template to a user, a
//! template in review as a test, or one template to many users.
//!
//! ```no_run
//! # async fn demo(partner: intoss_client::PartnerClient, user_key: i64) -> Result<(), intoss_client::ClientError> {
//! use intoss_client::messages::MessengerClient;
//!
//! let messenger = MessengerClient::new(partner);
//! let context = [("storeName".to_owned(), "토스카페".into())].into_iter().collect();
//! let sent = messenger.send(user_key, "order_ready", &context).await?;
//! println!("{} messages ({} pushes)", sent.msg_count, sent.sent_push_count);
//! # Ok(()) }
//! ```
//!
//! A template in review or rejected is `TEMPLATE_NOT_APPROVED`; a variable the context does not
//! give is `INVALID_PARAMETER` with `error.field = "context.<variable>"`.

use std::collections::BTreeMap;

use hyper::http::Method;
use intoss_proto::api::messages::{
    ANON_KEY_HEADER, BASE, MessageResult, SendBulkMessage, SendMessage, SendTestMessage,
};
use intoss_proto::api::pay::USER_KEY_HEADER;
use serde::Serialize;

use crate::{ClientError, PartnerClient, decode_envelope};

/// The variables of a template.
pub type Context = BTreeMap<String, serde_json::Value>;

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// The app's userKey, from Toss Login (`x-toss-user-key`).
    UserKey(i64),
    /// The user's anonymous key for the app, from the front-end SDK (`x-anon-key`).
    AnonKey(String),
}

/// Messages for the app whose certificate the [`PartnerClient`] presents.
#[derive(Debug, Clone)]
pub struct MessengerClient {
    partner: PartnerClient,
}

impl MessengerClient {
    /// Messages over `partner`.
    pub fn new(partner: PartnerClient) -> Self {
        Self { partner }
    }

    async fn call<B: Serialize>(
        &self,
        route: &str,
        to: Option<&To>,
        body: &B,
    ) -> Result<MessageResult, ClientError> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::Config(format!("request body: {e}")))?;
        let mut headers = vec![("content-type", "application/json")];
        let key;
        match to {
            Some(To::UserKey(k)) => {
                key = k.to_string();
                headers.push((USER_KEY_HEADER, key.as_str()));
            }
            Some(To::AnonKey(k)) => headers.push((ANON_KEY_HEADER, k.as_str())),
            None => {}
        }
        let resp = self.partner.send(Method::POST, &format!("{BASE}{route}"), &headers, Some(body)).await?;
        decode_envelope(&resp)
    }

    /// `send-message`: the approved template `template_set_code` to the user `user_key`.
    pub async fn send(
        &self,
        user_key: i64,
        template_set_code: &str,
        context: &Context,
    ) -> Result<MessageResult, ClientError> {
        let body = SendMessage { template_set_code: template_set_code.to_owned(), context: context.clone() };
        self.call("send-message", Some(&To::UserKey(user_key)), &body).await
    }

    /// `send-message` to `to`: a userKey, or an anonymous key for a user without Toss Login.
    pub async fn send_to(
        &self,
        to: &To,
        template_set_code: &str,
        context: &Context,
    ) -> Result<MessageResult, ClientError> {
        let body = SendMessage { template_set_code: template_set_code.to_owned(), context: context.clone() };
        self.call("send-message", Some(to), &body).await
    }

    /// `send-test-message`: a template still in review, for the deployment `deployment_id`.
    pub async fn send_test(
        &self,
        user_key: i64,
        template_set_code: &str,
        context: &Context,
        deployment_id: &str,
    ) -> Result<MessageResult, ClientError> {
        let body = SendTestMessage {
            template_set_code: template_set_code.to_owned(),
            context: context.clone(),
            deployment_id: deployment_id.to_owned(),
        };
        self.call("send-test-message", Some(&To::UserKey(user_key)), &body).await
    }

    /// `send-bulk-message`: the approved template to up to 2,500 users; a userKey that is not
    /// a user of the app is in `fail`, not an error.
    pub async fn send_bulk(
        &self,
        user_keys: &[i64],
        template_set_code: &str,
        context: &Context,
    ) -> Result<MessageResult, ClientError> {
        let body = SendBulkMessage {
            template_set_code: template_set_code.to_owned(),
            context: context.clone(),
            user_keys: user_keys.to_vec(),
        };
        self.call("send-bulk-message", None, &body).await
    }
}
