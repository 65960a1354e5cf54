//! The admin side of identity verification: clients, and the user simulator that stands in for
//! the Toss app. The partner side (tokens, request, status, result) is `intoss-idv` itself.

use std::sync::Arc;

use intoss_idv::{IdvError, IdvService};
use intoss_proto::api::admin::{
    AgeTx, CompleteTx, CreateIdvClient, DeletedIdvClient, IdvClientList, IdvEnv, IdvTransaction,
    IdvTransactionList, NewIdvClient, TxQuery,
};
use intoss_store::Store;

use crate::{CoreError, unix_now};

/// Transactions listed when the query gives no limit, and at most.
const LIST_DEFAULT: i64 = 50;
const LIST_MAX: i64 = 500;

/// Identity-verification clients and transactions, as the console and the CLI manage them.
pub struct IdvAdmin {
    store: Arc<dyn Store>,
    idv: Arc<IdvService>,
}

impl std::fmt::Debug for IdvAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdvAdmin").finish_non_exhaustive()
    }
}

impl IdvAdmin {
    /// Over the service `idv`, whose clients belong to the apps in `store`.
    pub fn new(store: Arc<dyn Store>, idv: Arc<IdvService>) -> Self {
        Self { store, idv }
    }

    /// Creates a client of an existing app. The answer holds the secret, once.
    pub async fn create_client(&self, req: CreateIdvClient) -> Result<NewIdvClient, CoreError> {
        if self.store.app(&req.app).await?.is_none() {
            return Err(CoreError::NotFound(format!("app `{}` not found", req.app)));
        }
        let env = req.env.unwrap_or_default();
        Ok(self.idv.create_client(&req.app, env == IdvEnv::Test, unix_now()).await?)
    }

    /// Clients that are not deleted, optionally of one app.
    pub async fn clients(&self, app: Option<&str>) -> Result<IdvClientList, CoreError> {
        Ok(IdvClientList { clients: self.idv.list_clients(app).await? })
    }

    /// Deletes a client: its tokens stop working at once.
    pub async fn delete_client(&self, client_id: &str) -> Result<DeletedIdvClient, CoreError> {
        self.idv.delete_client(client_id, unix_now()).await.map_err(|e| match e {
            IdvError::UnknownTransaction => CoreError::NotFound(format!("client {client_id} not found")),
            other => other.into(),
        })?;
        Ok(DeletedIdvClient { client_id: client_id.to_owned(), deleted: true })
    }

    /// The newest transactions.
    pub async fn transactions(&self, q: TxQuery) -> Result<IdvTransactionList, CoreError> {
        let limit = q.limit.unwrap_or(LIST_DEFAULT).clamp(1, LIST_MAX);
        Ok(IdvTransactionList { transactions: self.idv.list_txs(q.client_id.as_deref(), limit).await? })
    }

    /// One transaction (expired first if its time is up).
    pub async fn transaction(&self, tx_id: &str) -> Result<IdvTransaction, CoreError> {
        Ok(self.idv.describe_tx(tx_id, unix_now()).await?)
    }

    /// The user opened the Toss app: REQUESTED → IN_PROGRESS.
    pub async fn open(&self, tx_id: &str) -> Result<IdvTransaction, CoreError> {
        Ok(self.idv.open(tx_id, unix_now()).await?)
    }

    /// The user authenticated as `who`: → COMPLETED.
    pub async fn complete(&self, tx_id: &str, who: CompleteTx) -> Result<IdvTransaction, CoreError> {
        Ok(self.idv.complete(tx_id, &who, unix_now()).await?)
    }

    /// The user let it lapse: → EXPIRED.
    pub async fn expire(&self, tx_id: &str) -> Result<IdvTransaction, CoreError> {
        Ok(self.idv.expire(tx_id, unix_now()).await?)
    }

    /// Moves the transaction's times into the past (to test expiry and the result window).
    pub async fn age(&self, tx_id: &str, req: AgeTx) -> Result<IdvTransaction, CoreError> {
        Ok(self.idv.age(tx_id, req.seconds, unix_now()).await?)
    }
}
