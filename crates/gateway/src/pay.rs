//! Toss Pay (토스페이) and in-app purchase (인앱 결제) on the gateway: the real paths under
//! `/api-partner/v1/apps-in-toss/pay/` and `.../order/`, every one `POST` with the user's
//! `x-toss-user-key`, for the admitted caller's app only.
//!
//! | path | body | answers |
//! |---|---|---|
//! | `make-payment` | orderNo, productDesc, amounts, isTestPayment | `{payToken}` |
//! | `execute-payment` | payToken, orderNo?, isTestPayment | the completed payment |
//! | `refund-payment` | payToken, reason, amount?, refundNo?, isTestPayment | the refund |
//! | `get-payment-status` | payToken or orderNo, isTestPayment | status and transactions |
//!
//! Between make and execute the user approves (or declines) in the Toss app, here the
//! simulator. Every failure is an envelope; another app's payToken is `NOT_FOUND`.
//!
//! In-app purchase has one partner call, `order/get-order-status` `{orderId}`: the order's
//! status, `NOT_FOUND` for an unknown order and `MINIAPP_MISMATCH` for another app's (in the
//! SUCCESS envelope, as the real service).

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use intoss_http::{ApiError, ApiJson, success};
use intoss_pay::{IapService, PayService};
use intoss_proto::api::iap::GetOrderStatus;
use intoss_proto::api::pay::{
    BASE, ExecutePayment, GetPaymentStatus, MakePayment, RefundPayment, USER_KEY_HEADER,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Caller, Gateway};

/// Serves a request whose path starts with [`BASE`].
pub(crate) async fn handle(p: &Arc<Gateway>, pay: &PayService, caller: &Caller, req: Request) -> Response {
    let path = req.uri().path();
    let route = path.strip_prefix(BASE).unwrap_or_default();
    if !matches!(route, "make-payment" | "execute-payment" | "refund-payment" | "get-payment-status") {
        return ApiError::not_found(format!("no Toss Pay API at {path}")).into_response();
    }
    if *req.method() != Method::POST {
        return crate::not_allowed(&req, "POST");
    }
    let app = caller.app.name.as_str();
    let user_key = user_key_of(&req);
    let user_key = user_key.as_deref();
    let now = caller.app.now();
    match route {
        "make-payment" => call(p, req, async |b: MakePayment| pay.make(app, user_key, &b, now).await).await,
        "execute-payment" => {
            call(p, req, async |b: ExecutePayment| pay.execute(app, user_key, &b, now).await).await
        }
        "refund-payment" => {
            call(p, req, async |b: RefundPayment| pay.refund(app, user_key, &b, now).await).await
        }
        _ => call(p, req, async |b: GetPaymentStatus| pay.status(app, user_key, &b, now).await).await,
    }
}

/// Serves a request whose path starts with `intoss_proto::api::iap::BASE`.
pub(crate) async fn handle_iap(
    p: &Arc<Gateway>,
    iap: &IapService,
    caller: &Caller,
    req: Request,
) -> Response {
    let path = req.uri().path();
    if path.strip_prefix(intoss_proto::api::iap::BASE) != Some("get-order-status") {
        return ApiError::not_found(format!("no in-app purchase API at {path}")).into_response();
    }
    if *req.method() != Method::POST {
        return crate::not_allowed(&req, "POST");
    }
    let app = caller.app.name.as_str();
    let user_key = user_key_of(&req);
    let user_key = user_key.as_deref();
    call(p, req, async |b: GetOrderStatus| iap.order_status(app, user_key, &b).await).await
}

/// The `x-toss-user-key` header, kept as text: the services say what is wrong with a missing or
/// malformed key.
pub(crate) fn user_key_of(req: &Request) -> Option<String> {
    req.headers().get(USER_KEY_HEADER).map(|v| v.to_str().unwrap_or("\u{fffd}").to_owned())
}

/// Parses the body as `B`, runs `f`, and answers its result in the envelope.
pub(crate) async fn call<B, T, E>(
    p: &Arc<Gateway>,
    req: Request,
    f: impl AsyncFnOnce(B) -> Result<T, E>,
) -> Response
where
    B: DeserializeOwned,
    T: Serialize,
    ApiError: From<E>,
{
    match ApiJson::<B>::from_request(req, p).await {
        Ok(ApiJson(body)) => match f(body).await {
            Ok(v) => success(StatusCode::OK, v),
            Err(e) => ApiError::from(e).into_response(),
        },
        Err(e) => e.into_response(),
    }
}
