//! Why a message call failed. The wire form (HTTP status and errorCode) is chosen in
//! `intoss-http`, not here.

use intoss_store::StoreError;

/// A failed message operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// A parameter is malformed (`INVALID_PARAMETER`); `field` names it (`context.date` for a
    /// missing variable).
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
    /// The template is in review or rejected (`TEMPLATE_NOT_APPROVED`).
    #[error("{0}")]
    NotApproved(String),
    /// The template's review is done already (`INVALID_STATE`).
    #[error("{0}")]
    InvalidState(String),
    /// The app has a template with this code (`ALREADY_EXISTS`).
    #[error("{0}")]
    AlreadyExists(String),
    /// No such app, template or user (`NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// Storage is unavailable.
    #[error("storage unavailable; retry later")]
    Unavailable,
    /// An unexpected failure; the detail has been logged.
    #[error("internal error; see the server log")]
    Internal,
}

impl MessageError {
    /// `Invalid` for `field`.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: Some(field.to_owned()), reason: format!("{field}: {reason}") }
    }

    /// `Internal`, logging `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "messages: internal error");
        Self::Internal
    }
}

impl From<StoreError> for MessageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => Self::AlreadyExists(format!("{what} already exists")),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "messages: storage unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}
