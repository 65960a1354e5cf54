//! The SQL shared by the SQLite and PostgreSQL stores.
//!
//! Every statement is written once, in SQL both engines accept (`$n` parameters, `RETURNING`,
//! `ON CONFLICT`, Unix-second integers), and [`impl_store!`] implements [`crate::Store`] with
//! it for each pool type. sqlx's query functions are generic over the database, so the same
//! code type-checks against both drivers.

use sqlx::FromRow;

use crate::{App, CertRecord, IdvClient, IdvStatus, IdvTx, Result, StoreError};

/// Keeps a connection whose transaction failed out of the pool: it is closed instead, which
/// ends whatever transaction it still has. After a failed COMMIT (a full disk), sqlx still
/// counts the connection as inside a transaction and SQLite can keep that transaction open: the
/// connection's next `begin` would open only a savepoint, whose "commit" is acknowledged and
/// never written, and the open transaction's write lock would stall every other connection.
pub(crate) fn discard_if_failed<DB: sqlx::Database, T>(
    conn: &mut sqlx::pool::PoolConnection<DB>,
    result: &Result<T>,
) {
    if result.is_err() {
        conn.close_on_drop();
    }
}

#[derive(FromRow)]
pub(crate) struct AppRow {
    name: String,
    qpm: i64,
    allow_ips: String,
    webhook_url: Option<String>,
    created_at: i64,
}

impl TryFrom<AppRow> for App {
    type Error = StoreError;

    fn try_from(r: AppRow) -> Result<Self> {
        let allow_ips = serde_json::from_str(&r.allow_ips)
            .map_err(|e| StoreError::Corrupt(format!("app {} allow_ips: {e}", r.name)))?;
        let qpm = u32::try_from(r.qpm).map_err(|_| StoreError::Corrupt(format!("app {} qpm", r.name)))?;
        Ok(App { name: r.name, qpm, allow_ips, webhook_url: r.webhook_url, created_at: r.created_at })
    }
}

#[derive(FromRow)]
pub(crate) struct CertRow {
    serial: String,
    app_name: String,
    cert_pem: String,
    key_source: String,
    not_before: i64,
    not_after: i64,
    created_at: i64,
    revoked_at: Option<i64>,
    revoke_reason: Option<String>,
    renewed_from: Option<String>,
}

impl From<CertRow> for CertRecord {
    fn from(r: CertRow) -> Self {
        Self {
            serial: r.serial,
            app_name: r.app_name,
            cert_pem: r.cert_pem,
            key_source: r.key_source,
            not_before: r.not_before,
            not_after: r.not_after,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            revoke_reason: r.revoke_reason,
            renewed_from: r.renewed_from,
        }
    }
}

pub(crate) fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// The error of an insert: a duplicate key is a conflict on `what`, a missing app is not found.
pub(crate) fn insert_error(e: sqlx::Error, what: String, app: &str) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict(what)
    } else if is_fk_violation(&e) {
        StoreError::NotFound(format!("app `{app}`"))
    } else {
        e.into()
    }
}

fn is_fk_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

#[derive(FromRow)]
pub(crate) struct IdvClientRow {
    client_id: String,
    app_name: String,
    env: String,
    secret_hash: String,
    created_at: i64,
    deleted_at: Option<i64>,
}

impl From<IdvClientRow> for IdvClient {
    fn from(r: IdvClientRow) -> Self {
        Self {
            client_id: r.client_id,
            app_name: r.app_name,
            env: r.env,
            secret_hash: r.secret_hash,
            created_at: r.created_at,
            deleted_at: r.deleted_at,
        }
    }
}

#[derive(FromRow)]
pub(crate) struct IdvTxRow {
    tx_id: String,
    client_id: String,
    request_type: String,
    request_url: String,
    trigger_type: Option<String>,
    request_person: Option<String>,
    status: String,
    requested_at: i64,
    expires_at: i64,
    completed_at: Option<i64>,
    person: Option<String>,
    signature: Option<String>,
    result_count: i64,
}

impl TryFrom<IdvTxRow> for IdvTx {
    type Error = StoreError;

    fn try_from(r: IdvTxRow) -> Result<Self> {
        let status = IdvStatus::from_wire(&r.status)
            .ok_or_else(|| StoreError::Corrupt(format!("transaction {} status `{}`", r.tx_id, r.status)))?;
        Ok(Self {
            tx_id: r.tx_id,
            client_id: r.client_id,
            request_type: r.request_type,
            request_url: r.request_url,
            trigger_type: r.trigger_type,
            request_person: r.request_person,
            status,
            requested_at: r.requested_at,
            expires_at: r.expires_at,
            completed_at: r.completed_at,
            person: r.person,
            signature: r.signature,
            result_count: r.result_count,
        })
    }
}

/// The columns of [`CertRow`], as a literal so that queries stay `&'static str`.
macro_rules! cert_columns {
    () => {
        "serial, app_name, cert_pem, key_source, not_before, not_after, created_at, revoked_at, revoke_reason, \
         renewed_from"
    };
}

/// The columns of [`IdvTxRow`].
macro_rules! tx_columns {
    () => {
        "tx_id, client_id, request_type, request_url, trigger_type, request_person, status, requested_at, \
         expires_at, completed_at, person, signature, result_count"
    };
}

/// Inserts a certificate row and its CERTIFICATE_ISSUED event inside the transaction `$t`.
macro_rules! insert_cert_in {
    ($t:ident, $c:expr) => {{
        let c: &CertRecord = $c;
        let inserted: Result<()> = sqlx::query(
            "INSERT INTO certs (serial, app_name, cert_pem, key_source, not_before, not_after, created_at,
                                revoked_at, revoke_reason, renewed_from)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&c.serial)
        .bind(&c.app_name)
        .bind(&c.cert_pem)
        .bind(&c.key_source)
        .bind(c.not_before)
        .bind(c.not_after)
        .bind(c.created_at)
        .bind(c.revoked_at)
        .bind(&c.revoke_reason)
        .bind(&c.renewed_from)
        .execute(&mut *$t)
        .await
        .map(drop)
        .map_err(|e| insert_error(e, format!("certificate {}", c.serial), &c.app_name));
        match inserted {
            Err(e) => Err(e),
            Ok(()) => {
                let ev = $crate::events::data::cert(
                    "CERTIFICATE_ISSUED",
                    c,
                    c.created_at,
                    serde_json::json!({ "keySource": c.key_source, "renewedFrom": c.renewed_from }),
                );
                $crate::events::emit_in!($t, &ev)
            }
        }
    }};
}

/// Implements [`crate::Store`] for a store type with a `pool` field of any sqlx pool.
macro_rules! impl_store {
    ($ty:ty) => {
#[async_trait::async_trait]
        impl $crate::Store for $ty {
            async fn create_app(&self, app: &NewApp) -> Result<App> {
                // `fetch_all`, never `fetch_one`, on a write with RETURNING: SQLite hands out the
                // row before the statement's implicit COMMIT, and an error of that commit (a full
                // disk) only shows to a caller that steps the statement to its end. `fetch_one`
                // drops it: the write was acknowledged and then rolled back.
                let rows: Vec<AppRow> = sqlx::query_as(
                    "INSERT INTO apps (name, qpm, allow_ips, webhook_url, created_at) VALUES ($1, $2, $3, $4, $5)
                     RETURNING name, qpm, allow_ips, webhook_url, created_at",
                )
                .bind(&app.name)
                .bind(i64::from(app.qpm))
                .bind(json(&app.allow_ips))
                .bind(&app.webhook_url)
                .bind(app.created_at)
                .fetch_all(&self.pool)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(format!("app `{}`", app.name))
                    } else {
                        e.into()
                    }
                })?;
                rows.into_iter()
                    .next()
                    .ok_or_else(|| StoreError::Backend("INSERT … RETURNING returned no row".into()))?
                    .try_into()
            }

            async fn list_apps(&self) -> Result<Vec<App>> {
                let rows: Vec<AppRow> =
                    sqlx::query_as("SELECT name, qpm, allow_ips, webhook_url, created_at FROM apps ORDER BY name")
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn app(&self, name: &str) -> Result<Option<App>> {
                let row: Option<AppRow> =
                    sqlx::query_as("SELECT name, qpm, allow_ips, webhook_url, created_at FROM apps WHERE name = $1")
                        .bind(name)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn update_app(&self, name: &str, patch: &AppPatch) -> Result<App> {
                let (set_webhook, webhook) = match &patch.webhook_url {
                    Some(w) => (true, w.clone()),
                    None => (false, None),
                };
                // `fetch_all`: see `create_app`.
                let rows: Vec<AppRow> = sqlx::query_as(
                    "UPDATE apps SET
                         qpm = COALESCE($2, qpm),
                         allow_ips = COALESCE($3, allow_ips),
                         webhook_url = CASE WHEN $4 THEN $5 ELSE webhook_url END
                     WHERE name = $1
                     RETURNING name, qpm, allow_ips, webhook_url, created_at",
                )
                .bind(name)
                .bind(patch.qpm.map(i64::from))
                .bind(patch.allow_ips.as_deref().map(json))
                .bind(set_webhook)
                .bind(webhook)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().next().ok_or_else(|| StoreError::NotFound(format!("app `{name}`")))?.try_into()
            }

            async fn insert_cert(&self, c: &CertRecord) -> Result<()> {
                let mut conn = self.pool.acquire().await?;
                let done: Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    $crate::sql::insert_cert_in!(t, c)?;
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn insert_renewed_cert(
                &self,
                c: &CertRecord,
                max_active: u32,
                now: i64,
            ) -> Result<$crate::RenewOutcome> {
                let from = c.renewed_from.as_deref().ok_or_else(|| {
                    StoreError::Backend("insert_renewed_cert without renewed_from".into())
                })?;
                let mut conn = self.pool.acquire().await?;
                let done: Result<$crate::RenewOutcome> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    // A write to the app's row first: PostgreSQL locks the row and SQLite takes
                    // its write lock, so two renewals of one app count one after the other.
                    let app = sqlx::query("UPDATE apps SET name = name WHERE name = $1")
                        .bind(&c.app_name)
                        .execute(&mut *t)
                        .await?;
                    if app.rows_affected() == 0 {
                        return Err(StoreError::NotFound(format!("app `{}`", c.app_name)));
                    }
                    let usable: Option<(String,)> = sqlx::query_as(
                        "SELECT serial FROM certs
                          WHERE serial = $1 AND app_name = $2 AND revoked_at IS NULL AND not_after > $3",
                    )
                    .bind(from)
                    .bind(&c.app_name)
                    .bind(now)
                    .fetch_optional(&mut *t)
                    .await?;
                    if usable.is_none() {
                        return Ok($crate::RenewOutcome::SourceUnusable);
                    }
                    let (active,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM certs WHERE app_name = $1 AND revoked_at IS NULL AND not_after > $2",
                    )
                    .bind(&c.app_name)
                    .bind(now)
                    .fetch_one(&mut *t)
                    .await?;
                    if active >= i64::from(max_active) {
                        return Ok($crate::RenewOutcome::TooMany(u32::try_from(active).unwrap_or(u32::MAX)));
                    }
                    $crate::sql::insert_cert_in!(t, c)?;
                    t.commit().await?;
                    Ok($crate::RenewOutcome::Inserted)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn insert_fault(&self, f: &$crate::FaultRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO faults (id, app_name, path_prefix, probability, action, created_at, seq)
                     VALUES ($1, $2, $3, $4, $5, $6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM faults))",
                )
                .bind(&f.id)
                .bind(&f.app_name)
                .bind(&f.path_prefix)
                .bind(f.probability)
                .bind(&f.action)
                .bind(f.created_at)
                .execute(&self.pool)
                .await
                .map_err(|e| insert_error(e, format!("fault {}", f.id), &f.app_name))?;
                Ok(())
            }

            async fn list_faults(&self, app: Option<&str>) -> Result<Vec<$crate::FaultRecord>> {
                let rows: Vec<(String, String, String, f64, String, i64)> = sqlx::query_as(
                    "SELECT id, app_name, path_prefix, probability, action, created_at FROM faults
                      WHERE ($1 IS NULL OR app_name = $1) ORDER BY seq, id",
                )
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, app_name, path_prefix, probability, action, created_at)| $crate::FaultRecord {
                        id,
                        app_name,
                        path_prefix,
                        probability,
                        action,
                        created_at,
                    })
                    .collect())
            }

            async fn delete_faults(&self, app: &str, id: Option<&str>) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM faults WHERE app_name = $1 AND ($2 IS NULL OR id = $2)")
                    .bind(app)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn renewal_policy(&self, app: &str) -> Result<$crate::RenewalPolicy> {
                let row: Option<(bool, i64, bool, i64)> = sqlx::query_as(
                    "SELECT allowed, window_days, server_keys, max_active FROM renewal_policies WHERE app_name = $1",
                )
                .bind(app)
                .fetch_optional(&self.pool)
                .await?;
                let Some((allowed, window_days, server_keys, max_active)) = row else {
                    return Ok($crate::RenewalPolicy::default());
                };
                let corrupt = |what: &str| StoreError::Corrupt(format!("app {app} renewal policy {what}"));
                Ok($crate::RenewalPolicy {
                    allowed,
                    window_days: u32::try_from(window_days).map_err(|_| corrupt("window_days"))?,
                    server_keys,
                    max_active: u32::try_from(max_active).map_err(|_| corrupt("max_active"))?,
                })
            }

            async fn set_renewal_policy(&self, app: &str, p: &$crate::RenewalPolicy) -> Result<()> {
                sqlx::query(
                    "INSERT INTO renewal_policies (app_name, allowed, window_days, server_keys, max_active)
                     SELECT name, $2, $3, $4, $5 FROM apps WHERE name = $1
                     ON CONFLICT (app_name) DO UPDATE SET allowed = excluded.allowed,
                        window_days = excluded.window_days, server_keys = excluded.server_keys,
                        max_active = excluded.max_active",
                )
                .bind(app)
                .bind(p.allowed)
                .bind(i64::from(p.window_days))
                .bind(p.server_keys)
                .bind(i64::from(p.max_active))
                .execute(&self.pool)
                .await?
                .rows_affected()
                .eq(&0)
                .then(|| Err(StoreError::NotFound(format!("app `{app}`"))))
                .unwrap_or(Ok(()))
            }

            async fn list_certs(&self, app: Option<&str>) -> Result<Vec<CertRecord>> {
                let sql = concat!(
                    "SELECT ",
                    cert_columns!(),
                    " FROM certs WHERE ($1 IS NULL OR app_name = $1) ORDER BY created_at DESC, serial"
                );
                let rows: Vec<CertRow> = sqlx::query_as(sql).bind(app).fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn cert(&self, serial: &str) -> Result<Option<CertRecord>> {
                let sql = concat!("SELECT ", cert_columns!(), " FROM certs WHERE serial = $1");
                let row: Option<CertRow> = sqlx::query_as(sql).bind(serial).fetch_optional(&self.pool).await?;
                Ok(row.map(Into::into))
            }

            async fn revoke_cert(&self, serial: &str, at: i64, reason: &str) -> Result<CertRecord> {
                let mut conn = self.pool.acquire().await?;
                let done: Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    // Compare-and-set: only the first revocation writes (and has an event).
                    let row: Option<CertRow> = sqlx::query_as(concat!(
                        "UPDATE certs SET revoked_at = $2, revoke_reason = $3
                          WHERE serial = $1 AND revoked_at IS NULL RETURNING ",
                        cert_columns!()
                    ))
                    .bind(serial)
                    .bind(at)
                    .bind(reason)
                    .fetch_optional(&mut *t)
                    .await?;
                    if let Some(row) = row {
                        let c: CertRecord = row.into();
                        let ev = $crate::events::data::cert(
                            "CERTIFICATE_REVOKED",
                            &c,
                            at,
                            serde_json::json!({ "reason": reason }),
                        );
                        $crate::events::emit_in!(t, &ev)?;
                    }
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done?;
                self.cert(serial).await?.ok_or_else(|| StoreError::NotFound(format!("certificate {serial}")))
            }

            async fn record_expiry_notice(&self, serial: &str, threshold_days: i64, at: i64) -> Result<bool> {
                let mut conn = self.pool.acquire().await?;
                let done: Result<bool> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let inserted = sqlx::query(
                        "INSERT INTO expiry_notices (serial, threshold_days, sent_at) VALUES ($1, $2, $3)
                         ON CONFLICT (serial, threshold_days) DO NOTHING",
                    )
                    .bind(serial)
                    .bind(threshold_days)
                    .bind(at)
                    .execute(&mut *t)
                    .await?;
                    if inserted.rows_affected() != 1 {
                        t.rollback().await?;
                        return Ok(false);
                    }
                    let row: Option<CertRow> =
                        sqlx::query_as(concat!("SELECT ", cert_columns!(), " FROM certs WHERE serial = $1"))
                            .bind(serial)
                            .fetch_optional(&mut *t)
                            .await?;
                    if let Some(row) = row {
                        let c: CertRecord = row.into();
                        let ev = $crate::events::data::cert(
                            "CERTIFICATE_EXPIRING",
                            &c,
                            at,
                            serde_json::json!({ "thresholdDays": threshold_days }),
                        );
                        $crate::events::emit_in!(t, &ev)?;
                    }
                    t.commit().await?;
                    Ok(true)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn purge_certs(&self, before: i64) -> Result<Vec<String>> {
                let mut conn = self.pool.acquire().await?;
                let done: Result<Vec<String>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    sqlx::query(
                        "DELETE FROM expiry_notices WHERE serial IN (SELECT serial FROM certs
                          WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR not_after < $1)",
                    )
                    .bind(before)
                    .execute(&mut *t)
                    .await?;
                    let gone: Vec<(String,)> = sqlx::query_as(
                        "DELETE FROM certs WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR not_after < $1
                         RETURNING serial",
                    )
                    .bind(before)
                    .fetch_all(&mut *t)
                    .await?;
                    t.commit().await?;
                    Ok(gone.into_iter().map(|(s,)| s).collect())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn expiry_notices(&self) -> Result<Vec<ExpiryNotice>> {
                let rows = sqlx::query(
                    "SELECT n.serial, c.app_name, n.threshold_days, n.sent_at, c.not_after
                     FROM expiry_notices n JOIN certs c ON c.serial = n.serial
                     ORDER BY n.sent_at DESC, n.serial, n.threshold_days",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ExpiryNotice {
                            serial: r.try_get("serial")?,
                            app_name: r.try_get("app_name")?,
                            threshold_days: r.try_get("threshold_days")?,
                            sent_at: r.try_get("sent_at")?,
                            not_after: r.try_get("not_after")?,
                        })
                    })
                    .collect()
            }

            async fn create_idv_client(&self, c: &IdvClient) -> Result<()> {
                sqlx::query(
                    "INSERT INTO idv_clients (client_id, app_name, env, secret_hash, created_at, deleted_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&c.client_id)
                .bind(&c.app_name)
                .bind(&c.env)
                .bind(&c.secret_hash)
                .bind(c.created_at)
                .bind(c.deleted_at)
                .execute(&self.pool)
                .await
                .map_err(|e| insert_error(e, format!("client {}", c.client_id), &c.app_name))?;
                Ok(())
            }

            async fn list_idv_clients(&self, app: Option<&str>) -> Result<Vec<IdvClient>> {
                let rows: Vec<IdvClientRow> = sqlx::query_as(
                    "SELECT client_id, app_name, env, secret_hash, created_at, deleted_at FROM idv_clients
                     WHERE deleted_at IS NULL AND ($1 IS NULL OR app_name = $1) ORDER BY created_at, client_id",
                )
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn delete_idv_client(&self, client_id: &str, at: i64) -> Result<()> {
                let done =
                    sqlx::query("UPDATE idv_clients SET deleted_at = $2 WHERE client_id = $1 AND deleted_at IS NULL")
                        .bind(client_id)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("client {client_id}")));
                }
                Ok(())
            }

            async fn insert_idv_tx(&self, tx: &IdvTx, session_id: Option<&str>) -> Result<()> {
                let mut conn = self.pool.acquire().await?;
                let done: Result<()> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    sqlx::query(concat!(
                        "INSERT INTO idv_txs (",
                        tx_columns!(),
                        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    ))
                    .bind(&tx.tx_id)
                    .bind(&tx.client_id)
                    .bind(&tx.request_type)
                    .bind(&tx.request_url)
                    .bind(&tx.trigger_type)
                    .bind(&tx.request_person)
                    .bind(tx.status.as_str())
                    .bind(tx.requested_at)
                    .bind(tx.expires_at)
                    .bind(tx.completed_at)
                    .bind(&tx.person)
                    .bind(&tx.signature)
                    .bind(tx.result_count)
                    .execute(&mut *t)
                    .await?;
                    if let Some(sid) = session_id {
                        sqlx::query("INSERT INTO idv_session_ids (tx_id, session_id) VALUES ($1, $2)")
                            .bind(&tx.tx_id)
                            .bind(sid)
                            .execute(&mut *t)
                            .await?;
                    }
                    t.commit().await?;
                    Ok(())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn idv_tx(&self, tx_id: &str) -> Result<Option<IdvTx>> {
                let row: Option<IdvTxRow> =
                    sqlx::query_as(concat!("SELECT ", tx_columns!(), " FROM idv_txs WHERE tx_id = $1"))
                        .bind(tx_id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn list_idv_txs(&self, client_id: Option<&str>, limit: i64) -> Result<Vec<IdvTx>> {
                let rows: Vec<IdvTxRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    tx_columns!(),
                    " FROM idv_txs WHERE ($1 IS NULL OR client_id = $1) ORDER BY requested_at DESC, tx_id LIMIT $2"
                ))
                .bind(client_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn transition_idv_tx(
                &self,
                tx_id: &str,
                from: &[IdvStatus],
                to: IdvStatus,
                completion: Option<&Completion>,
            ) -> Result<bool> {
                let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
                let mut conn = self.pool.acquire().await?;
                let done: Result<bool> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let row: Option<(String, String)> = sqlx::query_as(
                        "UPDATE idv_txs SET status = $2,
                             completed_at = COALESCE($3, completed_at),
                             person = COALESCE($4, person),
                             signature = COALESCE($5, signature)
                         WHERE tx_id = $1 AND status IN ($6, $7)
                         RETURNING tx_id, client_id",
                    )
                    .bind(tx_id)
                    .bind(to.as_str())
                    .bind(completion.map(|c| c.at))
                    .bind(completion.map(|c| c.person.as_str()))
                    .bind(completion.map(|c| c.signature.as_str()))
                    // Every transition starts from one or two states: bind two, repeating the first.
                    .bind(from.first().copied().unwrap_or_default())
                    .bind(from.get(1).or(from.first()).copied().unwrap_or_default())
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some((tx_id, client_id)) = row else {
                        t.rollback().await?;
                        return Ok(false);
                    };
                    if let (IdvStatus::Completed, Some(c)) = (to, completion) {
                        let app: Option<(String,)> =
                            sqlx::query_as("SELECT app_name FROM idv_clients WHERE client_id = $1")
                                .bind(&client_id)
                                .fetch_optional(&mut *t)
                                .await?;
                        if let Some((app,)) = app {
                            let ev = $crate::events::data::idv_completed(&app, &tx_id, &client_id, c.at);
                            $crate::events::emit_in!(t, &ev)?;
                        }
                    }
                    t.commit().await?;
                    Ok(true)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn claim_idv_result(
                &self,
                tx_id: &str,
                session_id: &str,
                now: i64,
                window_secs: i64,
                max_calls: i64,
            ) -> Result<ResultClaim> {
                let mut conn = self.pool.acquire().await?;
                // `None`: no row was updated; the reason is read after the connection is back.
                let claimed: Result<Option<ResultClaim>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    // The write comes first, so the transaction takes the write lock at once and
                    // concurrent claims queue on it instead of racing on a stale read.
                    let updated = sqlx::query(
                        "UPDATE idv_txs SET result_count = result_count + 1
                         WHERE tx_id = $1 AND status = 'COMPLETED' AND result_count < $2 AND completed_at + $3 > $4
                         RETURNING result_count",
                    )
                    .bind(tx_id)
                    .bind(max_calls)
                    .bind(window_secs)
                    .bind(now)
                    .fetch_optional(&mut *t)
                    .await?;
                    let Some(row) = updated else {
                        t.rollback().await?;
                        return Ok(None);
                    };
                    let count: i64 = row.try_get(0)?;
                    let fresh = sqlx::query(
                        "INSERT INTO idv_session_ids (tx_id, session_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(tx_id)
                    .bind(session_id)
                    .execute(&mut *t)
                    .await?;
                    if fresh.rows_affected() == 0 {
                        t.rollback().await?;
                        return Ok(Some(ResultClaim::SessionReused));
                    }
                    t.commit().await?;
                    Ok(Some(ResultClaim::Claimed(count)))
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &claimed);
                drop(conn);
                if let Some(claim) = claimed? {
                    return Ok(claim);
                }
                Ok(match self.idv_tx(tx_id).await? {
                    None => ResultClaim::NotFound,
                    Some(tx) if tx.status != IdvStatus::Completed => ResultClaim::NotCompleted(tx.status),
                    Some(tx) if tx.completed_at.is_none_or(|c| c + window_secs <= now) => {
                        ResultClaim::WindowPassed
                    }
                    Some(_) => ResultClaim::LimitReached,
                })
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }

    };
}

pub(crate) use {cert_columns, impl_store, insert_cert_in, tx_columns};
