//! Why a Toss Login call failed. The wire form (HTTP status, errorCode, or the OAuth
//! `invalid_grant` body) is chosen in `intoss-http` and the gateway, not here.

use intoss_store::StoreError;

/// A failed Toss Login operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The code or token is unknown, used, expired, revoked, or another app's: the real
    /// service answers `{"error":"invalid_grant"}`, not an envelope.
    #[error("invalid_grant")]
    InvalidGrant,
    /// The userKey is not one of the app's linked users (`USER_KEY_NOT_FOUND`).
    #[error("{0}")]
    UserKeyNotFound(String),
    /// The user no longer exists: they left Toss (`USER_NOT_FOUND`).
    #[error("{0}")]
    UserNotFound(String),
    /// A parameter is malformed (`INVALID_PARAMETER`); `field` names it.
    #[error("{reason}")]
    Invalid {
        /// The field at fault.
        field: Option<String>,
        /// What is wrong, starting with the field's name.
        reason: String,
    },
    /// No such app, user or link (admin side).
    #[error("{0}")]
    NotFound(String),
    /// The id is taken (admin side).
    #[error("{0}")]
    AlreadyExists(String),
    /// Storage is unavailable.
    #[error("storage unavailable; retry later")]
    Unavailable,
    /// An unexpected failure; the detail has been logged.
    #[error("internal error; see the server log")]
    Internal,
}

impl LoginError {
    /// `Invalid` for `field`.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: Some(field.to_owned()), reason: format!("{field}: {reason}") }
    }

    /// `Internal`, logging `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "toss login: internal error");
        Self::Internal
    }
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => Self::AlreadyExists(format!("{what} already exists")),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "toss login: storage unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}
