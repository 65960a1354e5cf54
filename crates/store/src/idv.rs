//! Identity-verification records.

use serde::Serialize;

/// An OAuth client of the identity-verification service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdvClient {
    /// `client_id`; starts with `test_` for test-environment clients.
    pub client_id: String,
    /// The app it belongs to.
    pub app_name: String,
    /// `test` or `live`.
    pub env: String,
    /// Keyed hash of the secret (hex). The secret itself is never stored.
    pub secret_hash: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Deletion time; a deleted client's tokens stop working.
    pub deleted_at: Option<i64>,
}

/// The state of a verification transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IdvStatus {
    /// Sent to the user's Toss app.
    Requested,
    /// The user is authenticating.
    InProgress,
    /// The user completed authentication.
    Completed,
    /// Not completed in time.
    Expired,
}

impl IdvStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "REQUESTED",
            Self::InProgress => "IN_PROGRESS",
            Self::Completed => "COMPLETED",
            Self::Expired => "EXPIRED",
        }
    }

    /// Parses the wire string.
    pub fn from_wire(s: &str) -> Option<Self> {
        [Self::Requested, Self::InProgress, Self::Completed, Self::Expired]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A verification transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdvTx {
    /// `txId` (UUID).
    pub tx_id: String,
    /// The client that created it; no other client may see it.
    pub client_id: String,
    /// `USER_PERSONAL` or `USER_NONE`.
    pub request_type: String,
    /// The app scheme to return to.
    pub request_url: String,
    /// `APP_SCHEME` or `PUSH` (USER_PERSONAL).
    pub trigger_type: Option<String>,
    /// The decrypted request data as JSON (USER_PERSONAL).
    pub request_person: Option<String>,
    /// Current state.
    pub status: IdvStatus,
    /// Request time, Unix seconds.
    pub requested_at: i64,
    /// When an uncompleted request expires, Unix seconds.
    pub expires_at: i64,
    /// Completion time, Unix seconds.
    pub completed_at: Option<i64>,
    /// The authenticated person as JSON (after completion).
    pub person: Option<String>,
    /// base64 DER CMS SignedData (after completion).
    pub signature: Option<String>,
    /// Successful result calls so far.
    pub result_count: i64,
}

/// What a completion writes.
#[derive(Debug, Clone)]
pub struct Completion {
    /// Completion time, Unix seconds.
    pub at: i64,
    /// The person as JSON.
    pub person: String,
    /// The CMS signature, base64.
    pub signature: String,
}

/// The outcome of an attempt to claim one result call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultClaim {
    /// Claimed; this is successful call number `n` (1-based).
    Claimed(i64),
    /// No such transaction.
    NotFound,
    /// Not completed (REQUESTED, IN_PROGRESS or EXPIRED).
    NotCompleted(IdvStatus),
    /// The result window after completion has passed.
    WindowPassed,
    /// The maximum number of successful calls was reached.
    LimitReached,
    /// The session id was already used in this transaction.
    SessionReused,
}
