//! A mini-app backend, as a partner would write it with `intoss-client`:
//!
//! - `GET /health` calls the Apps-in-Toss API over mTLS (`/api-partner/v1/whoami` on intoss);
//! - `POST /verify` starts a 원터치 identity verification and returns the `txId` for the
//!   mini-app's `appsInTossSignTossCert({ txId })`;
//! - `GET /verify/{txId}` reports progress and, once completed, the verified person;
//! - `POST /callbacks/toss` accepts callbacks only from Toss's inbound addresses;
//! - a Toss Pay checkout: `POST /checkout` makes a payment and returns the `payToken` for the
//!   mini-app's `checkoutPayment({ payToken })`; `POST /checkout/{payToken}/confirm` executes it
//!   once the user approved (a retry answers the same paid state); `GET /checkout/{payToken}`
//!   reads its status and transactions; `POST /checkout/{payToken}/refund` refunds all or part.
//!
//! The checkout takes the user's `userKey` in the request to stay short; a real backend takes it
//! from its own login session (Toss Login), never from the client.
//!
//! Point it at the real service by changing the URLs, the CA and the public key
//! (`IdvClient::production`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_client::PartnerClient;
use intoss_client::callback::SourceIpGuardLayer;
use intoss_client::idv::IdvClient;
use intoss_client::pay::PayClient;
use intoss_client::{ApiFailure, ClientError};
use intoss_proto::api::pay::{ExecutePayment, GetPaymentStatus, MakePayment, RefundPayment};
use serde::Deserialize;
use serde_json::json;

/// What the handlers share.
#[derive(Debug)]
pub struct Backend {
    /// The Apps-in-Toss API client (mTLS).
    pub api: PartnerClient,
    /// The identity-verification client.
    pub idv: IdvClient,
    /// Toss Pay, over the same mTLS client as `api`.
    pub pay: PayClient,
    /// Whether payments are test payments (`isTestPayment`).
    pub test_payments: bool,
    /// Where the Toss app returns after verification.
    pub return_url: String,
    /// Verified people by txId: the service allows two result calls, so fetch once and keep it
    /// (a real backend stores it, with the signature, in its database).
    pub verified: tokio::sync::Mutex<std::collections::HashMap<String, intoss_client::idv::VerifiedPerson>>,
}

/// The backend's routes.
pub fn router(backend: Arc<Backend>) -> Router {
    let callbacks = Router::new()
        .route("/callbacks/toss", post(|| async { (StatusCode::OK, "ok") }))
        .layer(SourceIpGuardLayer::toss_inbound());
    Router::new()
        .route("/health", get(health))
        .route("/verify", post(start))
        .route("/verify/{tx}", get(progress))
        .route("/checkout", post(checkout))
        .route("/checkout/{pay_token}", get(checkout_status))
        .route("/checkout/{pay_token}/confirm", post(confirm))
        .route("/checkout/{pay_token}/refund", post(refund))
        .merge(callbacks)
        .with_state(backend)
}

fn fail(e: intoss_client::ClientError) -> Response {
    (StatusCode::BAD_GATEWAY, axum::Json(json!({ "error": e.to_string() }))).into_response()
}

async fn health(State(b): State<Arc<Backend>>) -> Response {
    match b.api.get::<serde_json::Value>("/api-partner/v1/whoami").await {
        Ok(me) => axum::Json(json!({ "ok": true, "app": me["app"] })).into_response(),
        Err(e) => fail(e),
    }
}

async fn start(State(b): State<Arc<Backend>>) -> Response {
    match b.idv.request_one_touch(&b.return_url).await {
        Ok(r) => axum::Json(json!({ "txId": r.tx_id })).into_response(),
        Err(e) => fail(e),
    }
}

async fn progress(State(b): State<Arc<Backend>>, Path(tx): Path<String>) -> Response {
    let status = match b.idv.status(&tx).await {
        Ok(s) => s.status,
        Err(e) => return fail(e),
    };
    if status != "COMPLETED" {
        return axum::Json(json!({ "status": status })).into_response();
    }
    let mut verified = b.verified.lock().await;
    let person = match verified.get(&tx) {
        Some(p) => p.clone(),
        None => match b.idv.result(&tx).await {
            Ok(p) => {
                verified.insert(tx.clone(), p.clone());
                p
            }
            Err(e) => return fail(e),
        },
    };
    // Never log the person; the CI stays on the server (match accounts with it there).
    axum::Json(json!({ "status": status, "name": person.name, "adult": person.age_group == "ADULT" }))
        .into_response()
}

/// The user's order, from the mini-app.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Checkout {
    user_key: i64,
    order_no: String,
    product_desc: String,
    amount: i64,
}

/// Who is asking (see the module doc: a real backend knows this from its session).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserOnly {
    user_key: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refund {
    user_key: i64,
    reason: String,
    amount: Option<i64>,
}

/// A Toss Pay refusal, passed on with its code so that the mini-app can tell the user.
fn refused(e: ClientError) -> Response {
    match e {
        ClientError::Api(f) => {
            let ApiFailure { status, code, reason, .. } = *f;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, axum::Json(json!({ "error": code, "reason": reason }))).into_response()
        }
        other => fail(other),
    }
}

async fn checkout(State(b): State<Arc<Backend>>, axum::Json(c): axum::Json<Checkout>) -> Response {
    let payment = MakePayment::new(c.order_no, c.product_desc, c.amount, b.test_payments);
    match b.pay.make(c.user_key, &payment).await {
        Ok(made) => axum::Json(json!({ "payToken": made.pay_token })).into_response(),
        Err(e) => refused(e),
    }
}

async fn status_of(b: &Backend, user_key: i64, pay_token: String) -> Response {
    let req =
        GetPaymentStatus { pay_token: Some(pay_token), order_no: None, is_test_payment: b.test_payments };
    match b.pay.status(user_key, &req).await {
        Ok(st) => axum::Json(json!({
            "status": st.pay_status,
            "amount": st.amount,
            "refundable": st.refundable_amount,
            "steps": st.transactions.iter().map(|t| json!([t.step_type, t.transaction_amount])).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => refused(e),
    }
}

async fn checkout_status(
    State(b): State<Arc<Backend>>,
    Path(pay_token): Path<String>,
    Query(u): Query<UserOnly>,
) -> Response {
    status_of(&b, u.user_key, pay_token).await
}

/// Executes the payment the user approved. Safe to retry: Toss Pay executes a payment once, and a
/// second confirm (a double tap, a retried request) reads the status instead of failing.
async fn confirm(
    State(b): State<Arc<Backend>>,
    Path(pay_token): Path<String>,
    axum::Json(u): axum::Json<UserOnly>,
) -> Response {
    let req =
        ExecutePayment { pay_token: pay_token.clone(), order_no: None, is_test_payment: b.test_payments };
    match b.pay.execute(u.user_key, &req).await {
        Ok(done) => axum::Json(
            json!({ "status": "PAY_COMPLETE", "paid": done.paid_amount, "method": done.pay_method }),
        )
        .into_response(),
        Err(ClientError::Api(f)) if f.code == "PAYMENT_ALREADY_COMPLETED" => {
            status_of(&b, u.user_key, pay_token).await
        }
        Err(e) => refused(e),
    }
}

async fn refund(
    State(b): State<Arc<Backend>>,
    Path(pay_token): Path<String>,
    axum::Json(r): axum::Json<Refund>,
) -> Response {
    let req = RefundPayment {
        pay_token,
        reason: r.reason,
        amount: r.amount,
        amount_tax_free: None,
        refund_no: None,
        is_test_payment: b.test_payments,
    };
    match b.pay.refund(r.user_key, &req).await {
        Ok(done) => {
            axum::Json(json!({ "refunded": done.refunded_amount, "refundable": done.refundable_amount }))
                .into_response()
        }
        Err(e) => refused(e),
    }
}
