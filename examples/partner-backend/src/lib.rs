//! A mini-app backend, as a partner would write it with `intoss-client`:
//!
//! - `GET /health` calls the Apps-in-Toss API over mTLS (`/api-partner/v1/whoami` on intoss);
//! - `POST /verify` starts a 원터치 identity verification and returns the `txId` for the
//!   mini-app's `appsInTossSignTossCert({ txId })`;
//! - `GET /verify/{txId}` reports progress and, once completed, the verified person;
//! - `POST /callbacks/toss` accepts callbacks only from Toss's inbound addresses.
//!
//! Point it at the real service by changing the URLs, the CA and the public key
//! (`IdvClient::production`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use intoss_client::PartnerClient;
use intoss_client::callback::SourceIpGuardLayer;
use intoss_client::idv::IdvClient;
use serde_json::json;

/// What the handlers share.
#[derive(Debug)]
pub struct Backend {
    /// The Apps-in-Toss API client (mTLS).
    pub api: PartnerClient,
    /// The identity-verification client.
    pub idv: IdvClient,
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
