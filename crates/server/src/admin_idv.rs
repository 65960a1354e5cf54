//! Admin API for identity verification: clients, transactions, and the user simulator that
//! stands in for the Toss app (`/admin/v1/idv/...`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use intoss_idv::Identity;
use serde::Deserialize;
use serde_json::json;

use crate::error::{ApiError, success};
use crate::extract::{ApiObject, ApiQuery};
use crate::platform::{Platform, unix_now};

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Platform>> {
    Router::new()
        .route("/admin/v1/idv/clients", get(list_clients).post(create_client))
        .route("/admin/v1/idv/clients/{client_id}", delete(delete_client))
        .route("/admin/v1/idv/transactions", get(list_txs))
        .route("/admin/v1/idv/transactions/{tx_id}", get(get_tx))
        .route("/admin/v1/idv/transactions/{tx_id}/open", post(open))
        .route("/admin/v1/idv/transactions/{tx_id}/complete", post(complete))
        .route("/admin/v1/idv/transactions/{tx_id}/expire", post(expire))
        .route("/admin/v1/idv/transactions/{tx_id}/age", post(age))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateClient {
    app: String,
    /// `test` (default) or `live`.
    env: Option<String>,
}

async fn create_client(
    State(p): State<Arc<Platform>>,
    ApiObject(body): ApiObject<CreateClient>,
) -> Result<Response, ApiError> {
    let test_env = match body.env.as_deref() {
        None | Some("test") => true,
        Some("live") => false,
        Some(other) => return Err(ApiError::invalid(format!("env: `{other}` is not test or live"))),
    };
    if p.store.app(&body.app).await?.is_none() {
        return Err(ApiError::not_found(format!("app `{}` not found", body.app)));
    }
    let created = p.idv.create_client(&body.app, test_env, unix_now()).await?;
    Ok(success(StatusCode::CREATED, created))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppQuery {
    app: Option<String>,
}

async fn list_clients(
    State(p): State<Arc<Platform>>,
    ApiQuery(q): ApiQuery<AppQuery>,
) -> Result<Response, ApiError> {
    let clients = p.idv.list_clients(q.app.as_deref()).await?;
    Ok(success(StatusCode::OK, json!({ "clients": clients })))
}

async fn delete_client(State(p): State<Arc<Platform>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    p.idv.delete_client(&id, unix_now()).await.map_err(|e| match e {
        intoss_idv::IdvError::UnknownTransaction => ApiError::not_found(format!("client {id} not found")),
        other => other.into(),
    })?;
    Ok(success(StatusCode::OK, json!({ "client_id": id, "deleted": true })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxQuery {
    client_id: Option<String>,
    limit: Option<i64>,
}

async fn list_txs(
    State(p): State<Arc<Platform>>,
    ApiQuery(q): ApiQuery<TxQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let txs = p.idv.list_txs(q.client_id.as_deref(), limit).await?;
    Ok(success(StatusCode::OK, json!({ "transactions": txs })))
}

async fn get_tx(State(p): State<Arc<Platform>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, p.idv.describe_tx(&tx, unix_now()).await?))
}

async fn open(State(p): State<Arc<Platform>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, p.idv.open(&tx, unix_now()).await?))
}

async fn complete(
    State(p): State<Arc<Platform>>,
    Path(tx): Path<String>,
    ApiObject(who): ApiObject<Identity>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, p.idv.complete(&tx, &who, unix_now()).await?))
}

async fn expire(State(p): State<Arc<Platform>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, p.idv.expire(&tx, unix_now()).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Age {
    seconds: i64,
}

async fn age(
    State(p): State<Arc<Platform>>,
    Path(tx): Path<String>,
    ApiObject(body): ApiObject<Age>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, p.idv.age(&tx, body.seconds, unix_now()).await?))
}
