//! The admin side of identity verification: clients, and the user simulator that stands in for
//! the Toss app. The partner side (tokens, request, status, result) is `intoss-idv` itself.

use std::sync::Arc;

use intoss_idv::{IdvError, IdvService};
use intoss_proto::api::admin::{
    CompleteTx, CreateIdvClient, DeletedIdvClient, IdvClientList, IdvEnv, IdvTransaction, IdvTransactionList,
    NewIdvClient, TxQuery,
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use intoss_pki::CertificateAuthority;
    use intoss_store::{NewApp, SqliteStore};

    async fn fixture() -> (tempfile::TempDir, IdvAdmin) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
        let app = NewApp { name: "a".into(), qpm: 10, allow_ips: vec![], webhook_url: None, created_at: 0 };
        store.create_app(&app).await.unwrap();
        // RSA-2048 rather than the platform's 4096 for the field key: the same code, faster.
        let rsa = || {
            let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            key.as_der().unwrap().as_ref().to_vec()
        };
        let now = time::OffsetDateTime::now_utc();
        let keys = intoss_idv::IdvKeys {
            token_key_pkcs8: rsa(),
            field_key_pkcs8: rsa(),
            secret_key: vec![7; 32],
            sandbox_ca: CertificateAuthority::generate("test sandbox Toss CA", now).unwrap().0,
        };
        let idv = IdvService::new(store.clone(), intoss_idv::IdvConfig::default(), keys).await.unwrap();
        (dir, IdvAdmin::new(store, Arc::new(idv)))
    }

    #[tokio::test]
    async fn clients_belong_to_existing_apps_and_show_their_secret_once() {
        let (_dir, admin) = fixture().await;
        let ghost =
            admin.create_client(CreateIdvClient { app: "ghost".into(), env: None }).await.unwrap_err();
        assert!(matches!(ghost, CoreError::NotFound(_)), "{ghost:?}");

        let test = admin.create_client(CreateIdvClient { app: "a".into(), env: None }).await.unwrap();
        assert_eq!(test.env, IdvEnv::Test, "test is the default");
        assert!(test.client_id.starts_with("test_") && test.client_secret.starts_with("test_"));
        let live =
            admin.create_client(CreateIdvClient { app: "a".into(), env: Some(IdvEnv::Live) }).await.unwrap();
        assert!(!live.client_id.starts_with("test_"));

        let listed = admin.clients(Some("a")).await.unwrap().clients;
        let mut ids: Vec<&str> = listed.iter().map(|c| c.client_id.as_str()).collect();
        ids.sort_unstable();
        let mut want = [test.client_id.as_str(), live.client_id.as_str()];
        want.sort_unstable();
        assert_eq!(ids, want);
        assert!(admin.clients(Some("other")).await.unwrap().clients.is_empty());

        let deleted = admin.delete_client(&test.client_id).await.unwrap();
        assert!(deleted.deleted);
        assert_eq!(admin.clients(None).await.unwrap().clients.len(), 1, "the deleted client is gone");
        let again = admin.delete_client(&test.client_id).await.unwrap_err();
        assert!(matches!(again, CoreError::NotFound(_)), "{again:?}");
    }

    #[tokio::test]
    async fn simulator_calls_on_unknown_transactions_are_errors() {
        let (_dir, admin) = fixture().await;
        for e in [
            admin.transaction("nope").await.unwrap_err(),
            admin.open("nope").await.unwrap_err(),
            admin.complete("nope", CompleteTx::default()).await.unwrap_err(),
            admin.expire("nope").await.unwrap_err(),
        ] {
            assert!(matches!(e, CoreError::NotFound(_)), "{e:?}");
        }
        let q = TxQuery { client_id: None, limit: Some(100_000) };
        assert!(admin.transactions(q).await.unwrap().transactions.is_empty(), "a huge limit is clamped");
    }
}
