//! Admin API for identity verification: clients, transactions, and the user simulator that
//! stands in for the Toss app (`/admin/v1/idv/...`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use intoss_http::{ApiError, ApiObject, ApiQuery, success};
use intoss_proto::api::admin::{
    AppQuery, CompleteTx, CreateIdvClient, DeletedIdvClient, IdvClientList, IdvTransaction,
    IdvTransactionList, NewIdvClient, TxQuery,
};
use intoss_proto::envelope::schema::{Fail, Success};

use crate::Console;
use crate::openapi::{Authenticated, InvalidParameter, InvalidState, JsonBody, NotFound};

/// The path parameter `{tx_id}`.
const TX_ID: &str = "The transaction's `txId`";

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
}

/// Create a client; the secret is in this response only.
///
/// A `test` client's `client_id` starts with `test_`; its tokens last a year and its
/// verifications always return the seed's virtual person.
#[utoipa::path(
    post,
    path = "/admin/v1/idv/clients",
    tag = "identity verification",
    operation_id = "createIdvClient",
    request_body = CreateIdvClient,
    responses(
        (status = 201, description = "Created", body = Success<NewIdvClient>),
        (status = 404, description = "No such app (NOT_FOUND)", body = Fail<NotFound>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn create_client(
    State(c): State<Arc<Console>>,
    ApiObject(body): ApiObject<CreateIdvClient>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::CREATED, c.idv.create_client(body).await?))
}

/// Identity-verification OAuth clients (without secrets).
#[utoipa::path(
    get,
    path = "/admin/v1/idv/clients",
    tag = "identity verification",
    operation_id = "listIdvClients",
    params(AppQuery),
    responses(
        (status = 200, description = "Clients", body = Success<IdvClientList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        Authenticated,
    )
)]
pub(crate) async fn list_clients(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<AppQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.clients(q.app.as_deref()).await?))
}

/// Delete a client; its tokens stop working at once.
#[utoipa::path(
    delete,
    path = "/admin/v1/idv/clients/{client_id}",
    tag = "identity verification",
    operation_id = "deleteIdvClient",
    params(("client_id" = String, Path, description = "The client's `client_id`")),
    responses(
        (status = 200, description = "Deleted", body = Success<DeletedIdvClient>),
        (status = 404, description = "No such client (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn delete_client(
    State(c): State<Arc<Console>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.delete_client(&id).await?))
}

/// Newest transactions.
#[utoipa::path(
    get,
    path = "/admin/v1/idv/transactions",
    tag = "identity verification",
    operation_id = "listIdvTransactions",
    params(TxQuery),
    responses(
        (status = 200, description = "Transactions, newest first", body = Success<IdvTransactionList>),
        (status = 400, description = "An unknown or ill-typed query parameter (INVALID_PARAMETER)", body = Fail<InvalidParameter>),
        Authenticated,
    )
)]
pub(crate) async fn list_txs(
    State(c): State<Arc<Console>>,
    ApiQuery(q): ApiQuery<TxQuery>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.transactions(q).await?))
}

/// One transaction.
#[utoipa::path(
    get,
    path = "/admin/v1/idv/transactions/{tx_id}",
    tag = "identity verification",
    operation_id = "getIdvTransaction",
    params(("tx_id" = String, Path, description = TX_ID, max_length = 64)),
    responses(
        (status = 200, description = "The transaction (expiry applied)", body = Success<IdvTransaction>),
        (status = 404, description = "No such transaction (NOT_FOUND)", body = Fail<NotFound>),
        Authenticated,
    )
)]
pub(crate) async fn get_tx(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.transaction(&tx).await?))
}

/// Simulator: the user opens the Toss app (REQUESTED → IN_PROGRESS).
#[utoipa::path(
    post,
    path = "/admin/v1/idv/transactions/{tx_id}/open",
    tag = "simulator",
    operation_id = "simulatorOpen",
    params(("tx_id" = String, Path, description = TX_ID, max_length = 64)),
    responses(
        (status = 200, description = "Opened", body = Success<IdvTransaction>),
        (status = 404, description = "No such transaction (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The transaction's state does not allow it (INVALID_STATE)", body = Fail<InvalidState>),
        Authenticated,
    )
)]
pub(crate) async fn open(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.open(&tx).await?))
}

/// Simulator: the user authenticates (→ COMPLETED).
///
/// Test clients always get the seed's virtual person 김토스; for live ones, absent fields come
/// from the request (USER_PERSONAL) or from defaults.
#[utoipa::path(
    post,
    path = "/admin/v1/idv/transactions/{tx_id}/complete",
    tag = "simulator",
    operation_id = "simulatorComplete",
    params(("tx_id" = String, Path, description = TX_ID, max_length = 64)),
    request_body = CompleteTx,
    responses(
        (status = 200, description = "Completed", body = Success<IdvTransaction>),
        (status = 404, description = "No such transaction (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The transaction's state does not allow it (INVALID_STATE)", body = Fail<InvalidState>),
        JsonBody,
        Authenticated,
    )
)]
pub(crate) async fn complete(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
    ApiObject(who): ApiObject<CompleteTx>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.complete(&tx, who).await?))
}

/// Simulator: the request lapses (→ EXPIRED).
#[utoipa::path(
    post,
    path = "/admin/v1/idv/transactions/{tx_id}/expire",
    tag = "simulator",
    operation_id = "simulatorExpire",
    params(("tx_id" = String, Path, description = TX_ID, max_length = 64)),
    responses(
        (status = 200, description = "Expired", body = Success<IdvTransaction>),
        (status = 404, description = "No such transaction (NOT_FOUND)", body = Fail<NotFound>),
        (status = 409, description = "The transaction's state does not allow it (INVALID_STATE)", body = Fail<InvalidState>),
        Authenticated,
    )
)]
pub(crate) async fn expire(
    State(c): State<Arc<Console>>,
    Path(tx): Path<String>,
) -> Result<Response, ApiError> {
    Ok(success(StatusCode::OK, c.idv.expire(&tx).await?))
}
