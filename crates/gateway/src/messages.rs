//! Messages (기능성 푸시, 알림) on the gateway: the paths under
//! `/api-partner/v1/apps-in-toss/messenger/`, every one `POST`, for the admitted caller's app only.
//!
//! | path | header | body |
//! |---|---|---|
//! | `send-message` | `x-toss-user-key` or `x-anon-key` | `templateSetCode`, `context` |
//! | `send-test-message` | `x-toss-user-key` or `x-anon-key` | `templateSetCode`, `context`, `deploymentId` |
//! | `send-bulk-message` | — | `templateSetCode`, `context`, `userKeys` |
//!
//! The answer is the counts and keys of each channel in the SUCCESS envelope's `success` (the
//! developer page prints `result`; the reference and every other API use `success`).

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use intoss_http::ApiError;
use intoss_messages::{MessageService, Recipient};
use intoss_proto::api::messages::{ANON_KEY_HEADER, BASE, SendBulkMessage, SendMessage, SendTestMessage};

use crate::pay::{call, user_key_of};
use crate::{Caller, Gateway};

/// Serves a request whose path starts with [`BASE`].
pub(crate) async fn handle(
    p: &Arc<Gateway>,
    messages: &MessageService,
    caller: &Caller,
    req: Request,
) -> Response {
    let path = req.uri().path();
    let route = path.strip_prefix(BASE).unwrap_or_default();
    if !matches!(route, "send-message" | "send-test-message" | "send-bulk-message") {
        return ApiError::not_found(format!("no message API at {path}")).into_response();
    }
    if *req.method() != Method::POST {
        return crate::not_allowed(&req, "POST");
    }
    let app = caller.app.name.as_str();
    let user_key = user_key_of(&req);
    let anon_key = req.headers().get(ANON_KEY_HEADER).map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned());
    let to = Recipient { user_key: user_key.as_deref(), anon_key: anon_key.as_deref() };
    let now = caller.app.now();
    match route {
        "send-message" => call(p, req, async |b: SendMessage| messages.send(app, to, &b, now).await).await,
        "send-test-message" => {
            call(p, req, async |b: SendTestMessage| messages.send_test(app, to, &b, now).await).await
        }
        _ => call(p, req, async |b: SendBulkMessage| messages.send_bulk(app, &b, now).await).await,
    }
}
