//! Admin API for identity verification: clients, transactions, and the user simulator that
//! stands in for the Toss app (`/admin/v1/idv/...`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use intoss_http::{ApiError, ApiObject, ApiQuery, success};
use intoss_proto::api::admin::{AgeTx, AppQuery, CompleteTx, CreateIdvClient, TxQuery};

use crate::Console;

/// The routes, for the authenticated part of the admin router.
pub fn routes() -> Router<Arc<Console>> {
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

async fn create_client(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<CreateIdvClient>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.idv.create_client(body).await?))
}

async fn list_clients(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<AppQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.clients(q.app.as_deref()).await?))
}

async fn delete_client(State(c): State<Arc<Console>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.delete_client(&id).await?))
}

async fn list_txs(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<TxQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.transactions(q).await?))
}

async fn get_tx(State(c): State<Arc<Console>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.transaction(&tx).await?))
}

async fn open(State(c): State<Arc<Console>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.open(&tx).await?))
}

async fn complete(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
    ApiObject(who): ApiObject<CompleteTx>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.complete(&tx, who).await?))
}

async fn expire(State(c): State<Arc<Console>>, Path(tx): Path<String>) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.expire(&tx).await?))
}

async fn age(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
    ApiObject(body): ApiObject<AgeTx>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.age(&tx, body).await?))
}
