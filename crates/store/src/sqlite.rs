//! The embedded SQLite store.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::sql::{
    AppRow, CertRow, IdvClientRow, IdvTxRow, cert_columns, insert_error, is_unique_violation, json,
    tx_columns,
};
use crate::{
    App, AppPatch, CertRecord, Completion, ExpiryNotice, IdvClient, IdvStatus, IdvTx, NewApp, Result,
    ResultClaim, StoreError,
};

/// SQLite in WAL mode with durable commits.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::connect(SqliteConnectOptions::new().filename(path)).await
    }

    /// Opens a database from a `sqlite:` URL (`sqlite::memory:` for tests).
    pub async fn open_url(url: &str) -> Result<Self> {
        Self::connect(SqliteConnectOptions::from_str(url)?).await
    }

    /// WAL, durable commits (`synchronous=FULL`), foreign keys, a 10 s busy timeout.
    async fn connect(options: SqliteConnectOptions) -> Result<Self> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }
}

crate::sql::impl_store!(SqliteStore);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CertRecord, NewApp, Store};

    /// SQLite-specific: the warnings recorded survive closing and reopening the file.
    #[tokio::test]
    async fn expiry_notices_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let s = SqliteStore::open(&path).await.unwrap();
            s.create_app(&NewApp {
                name: "a".into(),
                qpm: 1,
                allow_ips: vec![],
                webhook_url: None,
                created_at: 1,
            })
            .await
            .unwrap();
            s.insert_cert(&CertRecord {
                serial: "01".into(),
                app_name: "a".into(),
                cert_pem: "PEM".into(),
                key_source: "p256".into(),
                not_before: 100,
                not_after: 200,
                created_at: 100,
                revoked_at: None,
                revoke_reason: None,
            })
            .await
            .unwrap();
            assert!(s.record_expiry_notice("01", 30, 170).await.unwrap());
            s.close().await;
        }
        let s = SqliteStore::open(&path).await.unwrap();
        assert!(!s.record_expiry_notice("01", 30, 172).await.unwrap());
        assert_eq!(s.expiry_notices().await.unwrap().len(), 1);
    }
}
