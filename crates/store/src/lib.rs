//! Durable state of the platform behind one [`Store`] trait.
//!
//! The embedded default is SQLite ([`SqliteStore`]): WAL journal, `synchronous=FULL`, so that
//! a write acknowledged to a caller survives a crash of the process or the machine.
//!
//! Every method is one transaction. State changes that race across callers (revocation, expiry
//! notices) are written as compare-and-set statements, so they stay correct when several
//! processes share one database.

mod events;
mod iap;
mod idv;
mod login;
mod messages;
mod model;
mod pay;
mod postgres;
mod promotions;
mod sandbox;
mod sql;
mod sqlite;
#[doc(hidden)]
pub mod suite;

pub use events::{
    AttemptRecord, Claimed, DeliveryRecord, EndpointRecord, EventRecord, EventStore, NewEvent, Outcome,
    random_id,
};
pub use iap::{IapStore, OrderRecord, ProductRecord};
pub use idv::{Completion, IdvClient, IdvStatus, IdvTx, ResultClaim};
pub use login::{
    LoginCode, LoginLink, LoginSettings, LoginStore, LoginToken, NotLive, SandboxUser, TokenKind, live_user,
};
pub use messages::{MessageRecord, MessageStore, TemplateRecord};
pub use model::{
    App, AppPatch, CertRecord, CertStatus, ExpiryNotice, FaultRecord, NewApp, RenewOutcome, RenewalPolicy,
};
pub use pay::{PaySettingsRecord, PayStore, PayTxRecord, PaymentRecord, RefundOutcome};
pub use postgres::PgStore;
pub use promotions::{ExecuteOutcome, PromoExecutionRecord, PromoKeyRecord, PromotionRecord, PromotionStore};
pub use sandbox::{
    ColumnDump, ColumnKind, SandboxSettings, SandboxStore, Scope, TABLES, TableDump, TableSpec,
    is_identifier, table_spec,
};
pub use sqlite::SqliteStore;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The named record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A record with the same key already exists.
    #[error("{0} already exists")]
    Conflict(String),
    /// The database could not be opened, read or written.
    #[error("storage error: {0}")]
    Backend(String),
    /// The stored data is not what this version expects (a value that does not parse).
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Backend(e.to_string())
    }
}

/// Result of a storage operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The platform's durable state (Toss Login's part is [`LoginStore`], Toss Pay's [`PayStore`],
/// in-app purchase's [`IapStore`], messages' [`MessageStore`], promotions' [`PromotionStore`],
/// the outbox of events [`EventStore`], the sandbox's [`SandboxStore`]).
#[async_trait::async_trait]
pub trait Store:
    LoginStore
    + PayStore
    + IapStore
    + MessageStore
    + PromotionStore
    + EventStore
    + SandboxStore
    + Send
    + Sync
    + 'static
{
    /// Creates an app. [`StoreError::Conflict`] if the name is taken.
    async fn create_app(&self, app: &NewApp) -> Result<App>;
    /// Every app, by name.
    async fn list_apps(&self) -> Result<Vec<App>>;
    /// One app.
    async fn app(&self, name: &str) -> Result<Option<App>>;
    /// Changes some settings of an app and returns it as stored.
    async fn update_app(&self, name: &str, patch: &AppPatch) -> Result<App>;

    /// Records a newly issued certificate. The app must exist.
    async fn insert_cert(&self, cert: &CertRecord) -> Result<()>;
    /// Certificates, newest first, optionally of one app.
    async fn list_certs(&self, app: Option<&str>) -> Result<Vec<CertRecord>>;
    /// One certificate.
    async fn cert(&self, serial: &str) -> Result<Option<CertRecord>>;
    /// Records a certificate renewed from `cert.renewed_from`, in one transaction with its
    /// checks: the presented certificate must still be active at `now` and the app must have
    /// fewer than `max_active` active certificates (concurrent renewals of one app are
    /// serialised, so the bound is exact).
    async fn insert_renewed_cert(&self, cert: &CertRecord, max_active: u32, now: i64)
    -> Result<RenewOutcome>;
    /// An app's renewal policy ([`RenewalPolicy::default`] until one is set).
    async fn renewal_policy(&self, app: &str) -> Result<RenewalPolicy>;
    /// Sets an app's renewal policy. [`StoreError::NotFound`] if the app does not exist.
    async fn set_renewal_policy(&self, app: &str, policy: &RenewalPolicy) -> Result<()>;
    /// Adds a fault. [`StoreError::NotFound`] if the app does not exist.
    async fn insert_fault(&self, fault: &FaultRecord) -> Result<()>;
    /// Faults in the order they were added, of every app or of one.
    async fn list_faults(&self, app: Option<&str>) -> Result<Vec<FaultRecord>>;
    /// Removes one fault of `app` (`Some`) or every fault of `app` (`None`); answers how many.
    async fn delete_faults(&self, app: &str, id: Option<&str>) -> Result<u64>;
    /// Revokes a certificate; revoking twice keeps the first time and reason.
    async fn revoke_cert(&self, serial: &str, at: i64, reason: &str) -> Result<CertRecord>;

    /// Records that the `threshold_days` warning of `serial` was sent. Returns `false` if it had
    /// been recorded before (by this or another process): the caller must not send it again.
    async fn record_expiry_notice(&self, serial: &str, threshold_days: i64, at: i64) -> Result<bool>;
    /// Every warning sent, newest first.
    async fn expiry_notices(&self) -> Result<Vec<ExpiryNotice>>;
    /// Housekeeping: removes the certificates revoked or expired before `before` (and their
    /// expiry notices); answers their serials.
    async fn purge_certs(&self, before: i64) -> Result<Vec<String>>;

    // === identity verification ===

    /// Records a new client. The app must exist.
    async fn create_idv_client(&self, client: &IdvClient) -> Result<()>;
    /// Clients that are not deleted, optionally of one app.
    async fn list_idv_clients(&self, app: Option<&str>) -> Result<Vec<IdvClient>>;
    /// Marks a client deleted. [`StoreError::NotFound`] if unknown or already deleted.
    async fn delete_idv_client(&self, client_id: &str, at: i64) -> Result<()>;

    /// Records a new transaction and, when given, the session id its request used.
    async fn insert_idv_tx(&self, tx: &IdvTx, session_id: Option<&str>) -> Result<()>;
    /// One transaction.
    async fn idv_tx(&self, tx_id: &str) -> Result<Option<IdvTx>>;
    /// The newest transactions, optionally of one client.
    async fn list_idv_txs(&self, client_id: Option<&str>, limit: i64) -> Result<Vec<IdvTx>>;
    /// Compare-and-set: moves `tx_id` from one of `from` to `to`, writing `completion` when
    /// given. Returns `false` if the transaction was not in one of `from`.
    async fn transition_idv_tx(
        &self,
        tx_id: &str,
        from: &[IdvStatus],
        to: IdvStatus,
        completion: Option<&Completion>,
    ) -> Result<bool>;
    /// Atomically claims one result call: the transaction must be COMPLETED, completed less
    /// than `window_secs` before `now`, below `max_calls` successful calls, and `session_id`
    /// new to it. Exactly `max_calls` of any number of concurrent claims succeed.
    async fn claim_idv_result(
        &self,
        tx_id: &str,
        session_id: &str,
        now: i64,
        window_secs: i64,
        max_calls: i64,
    ) -> Result<ResultClaim>;

    /// Closes the connections (SQLite: checkpoints the WAL).
    async fn close(&self);
}
