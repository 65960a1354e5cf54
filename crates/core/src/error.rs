//! Why a platform operation failed, before it becomes a wire response (that mapping is in
//! `intoss-http`, the one place that picks an HTTP status and an errorCode).

use intoss_idv::IdvError;
use intoss_pki::PkiError;
use intoss_store::StoreError;

/// A failed platform operation. Reasons are for the caller: they never carry a secret, and
/// internal details go to the log, not into a reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A parameter is malformed or not acceptable; `field` names it when there is one.
    #[error("{reason}")]
    Invalid {
        /// The request field at fault (`qpm`, `allow_ips`, `csr`, `birthday`, ...).
        field: Option<String>,
        /// What is wrong, starting with the field's name when there is one.
        reason: String,
    },
    /// No such app, certificate, client or transaction.
    #[error("{0}")]
    NotFound(String),
    /// The name is taken.
    #[error("{0}")]
    AlreadyExists(String),
    /// The record's state does not allow this (completing an expired verification).
    #[error("{0}")]
    InvalidState(String),
    /// A certificate's renewal over mTLS is refused by its app's policy.
    #[error("{reason}")]
    RenewalRefused {
        /// Which rule refused it.
        refusal: RenewalRefusal,
        /// What to do about it.
        reason: String,
    },
    /// The change is committed but the gateway's view could not be reloaded yet.
    #[error("the change is saved but not yet applied; retry the request")]
    NotApplied,
    /// Storage is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// An unexpected failure; the detail has been logged.
    #[error("internal error; see the server log")]
    Internal,
}

/// Which renewal rule refused a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalRefusal {
    /// The app does not allow renewal, or not with a platform-generated key.
    NotAllowed,
    /// More days are left than the app's window.
    TooEarly,
    /// The app has its maximum of active certificates.
    TooMany,
}

impl CoreError {
    /// `Invalid` for `field`, with a reason that starts with the field's name.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: Some(field.to_owned()), reason: format!("{field}: {reason}") }
    }

    /// `Invalid` that names no field.
    pub fn invalid_request(reason: impl Into<String>) -> Self {
        Self::Invalid { field: None, reason: reason.into() }
    }

    /// `Internal`, logging `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::Internal
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => Self::AlreadyExists(format!("{what} already exists")),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "storage unavailable");
                Self::Unavailable("storage unavailable; retry later".into())
            }
            other => Self::internal(other),
        }
    }
}

impl From<PkiError> for CoreError {
    fn from(e: PkiError) -> Self {
        match e {
            PkiError::Malformed { .. } | PkiError::CsrSignature | PkiError::WeakKey(_) => {
                Self::Invalid { field: Some("csr".into()), reason: e.to_string() }
            }
            other => Self::internal(other),
        }
    }
}

impl From<IdvError> for CoreError {
    fn from(e: IdvError) -> Self {
        match e {
            IdvError::UnknownTransaction => Self::NotFound("no such transaction or client".into()),
            IdvError::InvalidParameter(reason) => Self::Invalid { field: None, reason },
            IdvError::InvalidField { field, reason } => Self::invalid(field, reason),
            IdvError::InvalidState(reason) => Self::InvalidState(reason),
            IdvError::Internal => Self::Unavailable("storage unavailable; retry later".into()),
            // The partner-facing codes (tokens, sessions, result limits) do not arise from the
            // admin side; should one, it is a conflict with the transaction's state.
            other @ (IdvError::InvalidToken
            | IdvError::Undecryptable(_)
            | IdvError::SessionReused
            | IdvError::ResultLimit
            | IdvError::NotCompleted
            | IdvError::Expired
            | IdvError::ResultWindowPassed) => Self::InvalidState(other.to_string()),
            other => Self::internal(other),
        }
    }
}
