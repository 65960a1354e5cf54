//! Why a promotion call failed. The wire form (HTTP status and errorCode) is chosen in
//! `intoss-http`, not here.

use intoss_store::StoreError;

/// A failed promotion operation. The promotion refusals carry the client SDK's numeric codes
/// (`4100` …) as the errorCode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PromotionError {
    /// A parameter is malformed (`INVALID_PARAMETER`); `field` names it.
    #[error("{reason}")]
    Invalid {
        /// The field at fault.
        field: Option<String>,
        /// What is wrong, starting with the field's name.
        reason: String,
    },
    /// The `x-toss-user-key` is not a user logged in to the app (`USER_KEY_NOT_FOUND`).
    #[error("{0}")]
    UserKeyNotFound(String),
    /// No such promotion of the app (`4100`).
    #[error("{0}")]
    PromotionNotFound(String),
    /// Paused (`4104`).
    #[error("{0}")]
    Paused(String),
    /// Ended (`4105`).
    #[error("{0}")]
    Ended(String),
    /// The key is unknown, expired, or another app's or user's (`4110`).
    #[error("{0}")]
    CannotGrant(String),
    /// Less budget left than the amount (`4112`).
    #[error("{0}")]
    InsufficientBudget(String),
    /// The key was used (`4113`).
    #[error("{0}")]
    AlreadyGranted(String),
    /// Over the per-grant limit (`4114`).
    #[error("{0}")]
    OverLimit(String),
    /// The app has a promotion with this code (`ALREADY_EXISTS`).
    #[error("{0}")]
    AlreadyExists(String),
    /// A state change the promotion or execution does not allow (`INVALID_STATE`).
    #[error("{0}")]
    InvalidState(String),
    /// No such app, user or execution (`NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// Storage is unavailable.
    #[error("storage unavailable; retry later")]
    Unavailable,
    /// An unexpected failure; the detail has been logged.
    #[error("internal error; see the server log")]
    Internal,
}

impl PromotionError {
    /// `Invalid` for `field`.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: Some(field.to_owned()), reason: format!("{field}: {reason}") }
    }

    /// `Internal`, logging `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "promotions: internal error");
        Self::Internal
    }
}

impl From<StoreError> for PromotionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => Self::AlreadyExists(format!("{what} already exists")),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "promotions: storage unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}
