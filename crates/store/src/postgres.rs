//! The PostgreSQL store, for several `intoss serve` nodes sharing one database.
//!
//! Same statements as SQLite ([`crate::sql`]); its own migrations (`migrations/postgres`).
//! Correctness across nodes rests on the compare-and-set statements and on the result-claim
//! transaction, whose `UPDATE ... RETURNING` takes the row lock before the session id is
//! inserted.

use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::sql::{
    AppRow, CertRow, IdvClientRow, IdvTxRow, cert_columns, insert_error, is_unique_violation, json,
    tx_columns,
};
use crate::{
    App, AppPatch, CertRecord, Completion, ExpiryNotice, IdvClient, IdvStatus, IdvTx, NewApp, Result,
    ResultClaim, StoreError,
};

/// PostgreSQL through a connection pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db`) and applies the migrations.
    pub async fn open(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }
}

crate::sql::impl_store!(PgStore);
crate::login::impl_login_store!(PgStore);
crate::pay::impl_pay_store!(PgStore);
crate::iap::impl_iap_store!(PgStore);
crate::messages::impl_message_store!(PgStore);
crate::promotions::impl_promotion_store!(PgStore);
crate::sandbox::impl_sandbox_store!(PgStore);
crate::events::impl_event_store!(PgStore, " FOR UPDATE OF d SKIP LOCKED");
