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
crate::login::impl_login_store!(SqliteStore);
crate::pay::impl_pay_store!(SqliteStore);
crate::iap::impl_iap_store!(SqliteStore);
crate::messages::impl_message_store!(SqliteStore);
crate::promotions::impl_promotion_store!(SqliteStore);
crate::sandbox::impl_sandbox_store!(SqliteStore);
crate::events::impl_event_store!(SqliteStore, "");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppPatch, CertRecord, NewApp, Store};

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
                renewed_from: None,
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

    /// Unmounts a test file system, lazily if it is still busy.
    struct Unmount(std::path::PathBuf);

    impl Drop for Unmount {
        fn drop(&mut self) {
            let done = std::process::Command::new("umount").arg(&self.0).status().is_ok_and(|s| s.success());
            if !done {
                let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
            }
        }
    }

    /// Regressions found by `faults::a_full_disk_refuses_writes_cleanly_and_recovers_without_restart`:
    /// on a full disk, `create_app` and `update_app` answered with the row of their `RETURNING`
    /// while the statement's implicit commit failed unseen, so an acknowledged app did not exist;
    /// and a connection whose COMMIT had failed went back to the pool inside a transaction, so its
    /// later "commits" were acknowledged and never written, and its lock made every other
    /// connection's writes fail with "database is locked" once the disk had space again.
    /// Needs a small tmpfs (root); skipped where mounting is not allowed. 2 MiB: with the
    /// eleventh migration the database and its WAL outgrew a 1 MiB file system, so even the
    /// writes after the filler is removed found it full.
    #[tokio::test]
    async fn a_write_whose_commit_fails_on_a_full_disk_is_an_error_not_a_phantom() {
        let dir = tempfile::tempdir().unwrap();
        let fs = dir.path().join("fs");
        std::fs::create_dir(&fs).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(&fs)
            .output()
            .is_ok_and(|o| o.status.success());
        if !mounted {
            eprintln!("skipping: cannot mount a tmpfs");
            return;
        }
        let _unmount = Unmount(fs.clone());
        let s = SqliteStore::open(&fs.join("t.db")).await.unwrap();
        let app = |name: &str| NewApp {
            name: name.into(),
            qpm: 1,
            allow_ips: vec![],
            webhook_url: None,
            created_at: 1,
        };
        s.create_app(&app("first")).await.unwrap();
        s.create_idv_client(&crate::IdvClient {
            client_id: "c".into(),
            app_name: "first".into(),
            env: "test".into(),
            secret_hash: "00".into(),
            created_at: 1,
            deleted_at: None,
        })
        .await
        .unwrap();
        // Fill the file system, to the last byte.
        {
            use std::io::Write as _;
            let mut f = std::fs::File::create(fs.join("filler")).unwrap();
            for chunk in [64 * 1024, 4096, 1] {
                let buf = vec![0u8; chunk];
                while f.write_all(&buf).is_ok() {}
            }
        }
        let mut acked = vec!["first".to_owned()];
        let mut refused = 0;
        let mut qpm = 1;
        for i in 0..100 {
            let name = format!("app-{i}");
            match s.create_app(&app(&name)).await {
                Ok(_) => acked.push(name),
                Err(StoreError::Backend(_)) => refused += 1,
                Err(e) => panic!("{e}"),
            }
            let patch = AppPatch { qpm: Some(1000 + i), allow_ips: None, webhook_url: None };
            match s.update_app("first", &patch).await {
                Ok(a) => qpm = a.qpm,
                Err(StoreError::Backend(_)) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
        // Transactions too: an idv request is one (the transaction and its session id).
        let tx = |id: &str| crate::IdvTx {
            tx_id: id.into(),
            client_id: "c".into(),
            request_type: "USER_NONE".into(),
            request_url: "x".into(),
            trigger_type: None,
            request_person: None,
            status: crate::IdvStatus::Requested,
            requested_at: 1,
            expires_at: 2,
            completed_at: None,
            person: None,
            signature: None,
            result_count: 0,
        };
        let mut txs = Vec::new();
        for i in 0..30 {
            let id = format!("tx-{i}");
            match s.insert_idv_tx(&tx(&id), Some(&format!("sid-{i}"))).await {
                Ok(()) => txs.push(id),
                Err(StoreError::Backend(_)) => refused += 1,
                Err(e) => panic!("{e}"),
            }
        }
        // Space comes back: every kind of write works again at once, on every pooled connection.
        std::fs::remove_file(fs.join("filler")).unwrap();
        for i in 0..8 {
            let t0 = std::time::Instant::now();
            let name = format!("after-{i}");
            s.create_app(&app(&name))
                .await
                .unwrap_or_else(|e| panic!("{name}: {e} after {:?}", t0.elapsed()));
            acked.push(name);
            let id = format!("tx-after-{i}");
            s.insert_idv_tx(&tx(&id), Some(&format!("sid-after-{i}")))
                .await
                .unwrap_or_else(|e| panic!("{id}: {e} after {:?}", t0.elapsed()));
            txs.push(id);
        }
        for id in &txs {
            assert!(s.idv_tx(id).await.unwrap().is_some(), "acknowledged transaction {id}");
        }
        let stored = s.list_apps().await.unwrap();
        let names: Vec<&str> = stored.iter().map(|a| a.name.as_str()).collect();
        acked.sort();
        assert_eq!(names, acked, "exactly the acknowledged apps exist");
        assert_eq!(
            stored.iter().find(|a| a.name == "first").unwrap().qpm,
            qpm,
            "the last acknowledged update"
        );
        assert!(refused > 0, "the disk never filled");
        s.close().await;
    }
}
