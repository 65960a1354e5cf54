//! Sandbox state: each app's test clock and test mode, and whole-state dumps
//! ([`SandboxStore`]).
//!
//! A dump is table rows, written generically: [`TABLES`] lists the tables a sandbox state is
//! made of (parents before children, the order an import writes them) and how each one's rows
//! of an app are selected. Columns are read by their declared type into one of four
//! [`ColumnKind`]s, so a dump moves between SQLite and PostgreSQL. Certificates, identity
//! verification clients and webhook endpoints are not in [`TABLES`]: they hold or depend on
//! secrets and on the data dir's CA (a fresh data dir issues its own).

use serde::{Deserialize, Serialize};

use crate::Result;

/// An app's sandbox settings (an app without any: [`SandboxSettings::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SandboxSettings {
    /// Seconds the app's clock runs ahead of wall-clock time (`intoss clock advance`).
    pub clock_offset: i64,
    /// May send the per-request fault header; the journal keeps its bodies, masked.
    pub test_mode: bool,
}

/// How a dumped column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// JSON `true` / `false`.
    Bool,
    /// A JSON integer (64-bit).
    Int,
    /// A JSON number.
    Real,
    /// A JSON string.
    Text,
}

impl ColumnKind {
    /// Its name in a dump: `bool`, `int`, `real`, `text`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Int => "int",
            Self::Real => "real",
            Self::Text => "text",
        }
    }

    /// The kind named so in a dump.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Bool, Self::Int, Self::Real, Self::Text].into_iter().find(|k| k.name() == name)
    }

    /// The kind of a column of declared type `name` (as the driver reports it), if supported.
    pub fn of_type(name: &str) -> Option<Self> {
        let n = name.to_ascii_uppercase();
        if n.contains("BOOL") {
            Some(Self::Bool)
        } else if n.contains("INT") {
            Some(Self::Int)
        } else if n.contains("REAL") || n.contains("FLOAT") || n.contains("DOUBLE") {
            Some(Self::Real)
        } else if n.contains("TEXT") || n.contains("CHAR") {
            Some(Self::Text)
        } else {
            None
        }
    }
}

/// A column of a [`TableDump`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDump {
    /// Its name.
    pub name: String,
    /// How its values are written.
    pub kind: ColumnKind,
}

/// The rows of one table: each row one value per column, in the order of `columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDump {
    /// The table.
    pub name: String,
    /// Its columns (empty when it has no rows).
    pub columns: Vec<ColumnDump>,
    /// Its rows.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// Which rows of a table belong to an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The `apps` table: the row named so.
    App,
    /// Rows whose `app_name` is the app's.
    AppName,
    /// Every row, whatever the app (the sandbox's Toss users are shared by every app).
    Shared,
    /// `pay_transactions`: the rows of the app's payments.
    AppPayments,
}

/// A table of the sandbox state.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec {
    /// Its name.
    pub name: &'static str,
    /// Which of its rows an app has.
    pub scope: Scope,
    /// Its key column when an import updates a row already there rather than refusing (the
    /// shared users: a fresh data dir makes a default user too).
    pub upsert_key: Option<&'static str>,
    /// Kept by [`SandboxStore::reset_app`] (the app itself and its renewal policy).
    pub kept_on_reset: bool,
}

const fn spec(name: &'static str, scope: Scope) -> TableSpec {
    TableSpec { name, scope, upsert_key: None, kept_on_reset: false }
}

/// The tables of a sandbox state, parents before children.
pub const TABLES: &[TableSpec] = &[
    TableSpec { kept_on_reset: true, ..spec("apps", Scope::App) },
    TableSpec { upsert_key: Some("user_id"), kept_on_reset: true, ..spec("sandbox_users", Scope::Shared) },
    // Reset keeps the row and puts the clock back ([`SandboxStore::reset_app`]).
    TableSpec { kept_on_reset: true, ..spec("sandbox_settings", Scope::AppName) },
    TableSpec { kept_on_reset: true, ..spec("renewal_policies", Scope::AppName) },
    spec("faults", Scope::AppName),
    spec("login_settings", Scope::AppName),
    spec("login_links", Scope::AppName),
    spec("login_codes", Scope::AppName),
    spec("login_tokens", Scope::AppName),
    spec("pay_settings", Scope::AppName),
    spec("payments", Scope::AppName),
    spec("pay_transactions", Scope::AppPayments),
    spec("iap_products", Scope::AppName),
    spec("iap_orders", Scope::AppName),
    spec("msg_templates", Scope::AppName),
    spec("messages", Scope::AppName),
    spec("anon_keys", Scope::AppName),
    spec("promotions", Scope::AppName),
    spec("promo_keys", Scope::AppName),
    spec("promo_executions", Scope::AppName),
];

/// The spec of a table named in a dump, if it is one of [`TABLES`].
pub fn table_spec(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// Whether `s` may be written into SQL as a column name (dumps come from files).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 63
}

/// The `WHERE` clause selecting a table's rows of app `$1` (every row when `$1` is null).
pub(crate) fn scope_filter(scope: Scope) -> &'static str {
    match scope {
        Scope::App => " WHERE ($1 IS NULL OR name = $1)",
        Scope::AppName => " WHERE ($1 IS NULL OR app_name = $1)",
        Scope::Shared => " WHERE ($1 IS NULL OR $1 IS NOT NULL)",
        Scope::AppPayments => {
            " WHERE ($1 IS NULL OR pay_token IN (SELECT pay_token FROM payments WHERE app_name = $1))"
        }
    }
}

/// The sandbox's part of the store.
#[async_trait::async_trait]
pub trait SandboxStore: Send + Sync {
    /// The settings of every app that has any, or of one.
    async fn sandbox_settings(&self, app: Option<&str>) -> Result<Vec<(String, SandboxSettings)>>;
    /// Moves an app's clock `secs` (> 0) further ahead; answers the new offset.
    /// [`crate::StoreError::NotFound`] if the app does not exist.
    async fn advance_clock(&self, app: &str, secs: i64) -> Result<i64>;
    /// Puts an app's clock back to wall-clock time.
    async fn reset_clock(&self, app: &str) -> Result<()>;
    /// Turns an app's test mode on or off. [`crate::StoreError::NotFound`] if it does not exist.
    async fn set_test_mode(&self, app: &str, on: bool) -> Result<()>;
    /// The rows of [`TABLES`] of one app (`Some`) or of every app, in that order.
    async fn export_state(&self, app: Option<&str>) -> Result<Vec<TableDump>>;
    /// Writes dumped rows in one transaction: all or none. An app that exists already is
    /// [`crate::StoreError::Conflict`]; tables must be of [`TABLES`] and columns identifiers
    /// (the caller checks both). Answers the rows written.
    async fn import_state(&self, tables: &[TableDump]) -> Result<u64>;
    /// Empties an app's sandbox state in one transaction: every row of [`TABLES`] of the app
    /// but the app itself, its renewal policy and test mode; its clock goes back to wall-clock
    /// time. Answers the rows removed.
    async fn reset_app(&self, app: &str) -> Result<u64>;
}

/// Implements [`SandboxStore`] for a store type with a `pool` field (see `crate::sql`).
macro_rules! impl_sandbox_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::SandboxStore for $ty {
            async fn sandbox_settings(
                &self,
                app: Option<&str>,
            ) -> $crate::Result<Vec<(String, $crate::SandboxSettings)>> {
                let rows: Vec<(String, i64, bool)> = sqlx::query_as(
                    "SELECT app_name, clock_offset, test_mode FROM sandbox_settings
                      WHERE ($1 IS NULL OR app_name = $1) ORDER BY app_name",
                )
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(a, clock_offset, test_mode)| (a, $crate::SandboxSettings { clock_offset, test_mode }))
                    .collect())
            }

            async fn advance_clock(&self, app: &str, secs: i64) -> $crate::Result<i64> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO sandbox_settings (app_name, clock_offset, test_mode)
                     SELECT name, $2, FALSE FROM apps WHERE name = $1
                     ON CONFLICT (app_name) DO UPDATE SET clock_offset = sandbox_settings.clock_offset + $2
                     RETURNING clock_offset",
                )
                .bind(app)
                .bind(secs)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|(o,)| o).ok_or_else(|| $crate::StoreError::NotFound(format!("app `{app}`")))
            }

            async fn reset_clock(&self, app: &str) -> $crate::Result<()> {
                sqlx::query("UPDATE sandbox_settings SET clock_offset = 0 WHERE app_name = $1")
                    .bind(app)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_test_mode(&self, app: &str, on: bool) -> $crate::Result<()> {
                let done = sqlx::query(
                    "INSERT INTO sandbox_settings (app_name, clock_offset, test_mode)
                     SELECT name, 0, $2 FROM apps WHERE name = $1
                     ON CONFLICT (app_name) DO UPDATE SET test_mode = excluded.test_mode",
                )
                .bind(app)
                .bind(on)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err($crate::StoreError::NotFound(format!("app `{app}`")));
                }
                Ok(())
            }

            async fn export_state(&self, app: Option<&str>) -> $crate::Result<Vec<$crate::TableDump>> {
                use sqlx::{Column as _, Row as _, TypeInfo as _, ValueRef as _};
                let mut conn = self.pool.acquire().await?;
                let mut t = sqlx::Connection::begin(&mut *conn).await?;
                let mut out = Vec::with_capacity($crate::sandbox::TABLES.len());
                for spec in $crate::sandbox::TABLES {
                    let sql = format!(
                        "SELECT * FROM {}{} ORDER BY 1",
                        spec.name,
                        $crate::sandbox::scope_filter(spec.scope)
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(app).fetch_all(&mut *t).await?;
                    let mut columns = Vec::new();
                    if let Some(first) = rows.first() {
                        for c in first.columns() {
                            let kind = $crate::ColumnKind::of_type(c.type_info().name()).ok_or_else(|| {
                                $crate::StoreError::Corrupt(format!(
                                    "{}.{}: type {} cannot be exported",
                                    spec.name,
                                    c.name(),
                                    c.type_info().name()
                                ))
                            })?;
                            columns.push($crate::ColumnDump { name: c.name().to_owned(), kind });
                        }
                    }
                    let mut dumped = Vec::with_capacity(rows.len());
                    for row in &rows {
                        let mut values = Vec::with_capacity(columns.len());
                        for (i, c) in columns.iter().enumerate() {
                            let null = row.try_get_raw(i).map(|v| v.is_null())?;
                            let corrupt =
                                |e: sqlx::Error| $crate::StoreError::Corrupt(format!("{}.{}: {e}", spec.name, c.name));
                            values.push(if null {
                                serde_json::Value::Null
                            } else {
                                match c.kind {
                                    $crate::ColumnKind::Bool => row.try_get::<bool, _>(i).map_err(corrupt)?.into(),
                                    // PostgreSQL's INTEGER is 32 bits (its decoder is strict), SQLite's 64.
                                    $crate::ColumnKind::Int => row
                                        .try_get::<i64, _>(i)
                                        .or_else(|_| row.try_get::<i32, _>(i).map(i64::from))
                                        .map_err(corrupt)?
                                        .into(),
                                    $crate::ColumnKind::Real => {
                                        serde_json::Number::from_f64(row.try_get::<f64, _>(i).map_err(corrupt)?)
                                            .map_or(serde_json::Value::Null, serde_json::Value::Number)
                                    }
                                    $crate::ColumnKind::Text => row.try_get::<String, _>(i).map_err(corrupt)?.into(),
                                }
                            });
                        }
                        dumped.push(values);
                    }
                    out.push($crate::TableDump { name: spec.name.to_owned(), columns, rows: dumped });
                }
                t.commit().await?;
                Ok(out)
            }

            async fn import_state(&self, tables: &[$crate::TableDump]) -> $crate::Result<u64> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<u64> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let mut written = 0u64;
                    for table in tables {
                        let Some(spec) = $crate::sandbox::table_spec(&table.name) else {
                            return Err($crate::StoreError::Corrupt(format!("unknown table {}", table.name)));
                        };
                        if table.rows.is_empty() {
                            continue;
                        }
                        if let Some(bad) = table.columns.iter().find(|c| !$crate::sandbox::is_identifier(&c.name)) {
                            return Err($crate::StoreError::Corrupt(format!("bad column name {:?}", bad.name)));
                        }
                        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
                        let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
                        let mut sql =
                            format!("INSERT INTO {} ({}) VALUES ({})", spec.name, names.join(", "), params.join(", "));
                        if let Some(key) = spec.upsert_key {
                            let sets: Vec<String> =
                                names.iter().filter(|n| **n != key).map(|n| format!("{n} = excluded.{n}")).collect();
                            sql += &format!(" ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", "));
                        }
                        for row in &table.rows {
                            if row.len() != table.columns.len() {
                                return Err($crate::StoreError::Corrupt(format!(
                                    "a row of {} has {} values for {} columns",
                                    spec.name,
                                    row.len(),
                                    table.columns.len()
                                )));
                            }
                            if spec.scope == $crate::sandbox::Scope::App
                                && let Some(name) = names.iter().position(|n| *n == "name").and_then(|i| row[i].as_str())
                            {
                                let there: Option<(String,)> = sqlx::query_as("SELECT name FROM apps WHERE name = $1")
                                    .bind(name)
                                    .fetch_optional(&mut *t)
                                    .await?;
                                if there.is_some() {
                                    return Err($crate::StoreError::Conflict(format!("app `{name}`")));
                                }
                            }
                            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                            for (c, v) in table.columns.iter().zip(row) {
                                let bad = || {
                                    $crate::StoreError::Corrupt(format!(
                                        "{}.{}: {v} is not {:?}",
                                        spec.name, c.name, c.kind
                                    ))
                                };
                                q = match (c.kind, v) {
                                    ($crate::ColumnKind::Bool, serde_json::Value::Null) => q.bind(None::<bool>),
                                    ($crate::ColumnKind::Bool, v) => q.bind(Some(v.as_bool().ok_or_else(bad)?)),
                                    ($crate::ColumnKind::Int, serde_json::Value::Null) => q.bind(None::<i64>),
                                    ($crate::ColumnKind::Int, v) => q.bind(Some(v.as_i64().ok_or_else(bad)?)),
                                    ($crate::ColumnKind::Real, serde_json::Value::Null) => q.bind(None::<f64>),
                                    ($crate::ColumnKind::Real, v) => q.bind(Some(v.as_f64().ok_or_else(bad)?)),
                                    ($crate::ColumnKind::Text, serde_json::Value::Null) => q.bind(None::<String>),
                                    ($crate::ColumnKind::Text, v) => q.bind(Some(v.as_str().ok_or_else(bad)?.to_owned())),
                                };
                            }
                            q.execute(&mut *t).await.map_err(|e| {
                                if $crate::sql::is_unique_violation(&e) {
                                    $crate::StoreError::Conflict(format!("a row of {}", spec.name))
                                } else {
                                    $crate::StoreError::Corrupt(format!("a row of {}: {e}", spec.name))
                                }
                            })?;
                            written += 1;
                        }
                    }
                    t.commit().await?;
                    Ok(written)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn reset_app(&self, app: &str) -> $crate::Result<u64> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<u64> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let there: Option<(String,)> = sqlx::query_as("SELECT name FROM apps WHERE name = $1")
                        .bind(app)
                        .fetch_optional(&mut *t)
                        .await?;
                    if there.is_none() {
                        return Err($crate::StoreError::NotFound(format!("app `{app}`")));
                    }
                    let mut removed = 0;
                    // Children before parents: the reverse of the import order.
                    for spec in $crate::sandbox::TABLES.iter().rev().filter(|s| !s.kept_on_reset) {
                        let sql =
                            format!("DELETE FROM {}{}", spec.name, $crate::sandbox::scope_filter(spec.scope));
                        removed += sqlx::query(sqlx::AssertSqlSafe(sql)).bind(app).execute(&mut *t).await?.rows_affected();
                    }
                    sqlx::query("UPDATE sandbox_settings SET clock_offset = 0 WHERE app_name = $1")
                        .bind(app)
                        .execute(&mut *t)
                        .await?;
                    t.commit().await?;
                    Ok(removed)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }
        }
    };
}

pub(crate) use impl_sandbox_store;
