//! Why a Toss Pay or in-app purchase call failed. The wire form (HTTP status and errorCode) is chosen in
//! `intoss-http`, not here.

use intoss_store::StoreError;

/// A failed Toss Pay operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayError {
    /// A parameter is malformed (`INVALID_PARAMETER`); `field` names it.
    #[error("{reason}")]
    Invalid {
        /// The field at fault.
        field: Option<String>,
        /// What is wrong, starting with the field's name.
        reason: String,
    },
    /// The `x-toss-user-key` is not a user linked to the app (`USER_KEY_NOT_FOUND`).
    #[error("{0}")]
    UserKeyNotFound(String),
    /// The app used this orderNo before (`PAYMENT_EXISTING_PAYMENT`).
    #[error("{0}")]
    ExistingPayment(String),
    /// Executed before the user approved (`PAYMENT_NOT_APPROVED`).
    #[error("{0}")]
    NotApproved(String),
    /// The user declined or did not approve in time (`PAYMENT_CANCELED`).
    #[error("{0}")]
    Canceled(String),
    /// Executed before (`PAYMENT_ALREADY_COMPLETED`).
    #[error("{0}")]
    AlreadyCompleted(String),
    /// Not executed, or nothing left to refund (`PAYMENT_NOT_REFUNDABLE`).
    #[error("{0}")]
    NotRefundable(String),
    /// More than the refundable amount (`REFUND_AMOUNT_EXCEEDED`).
    #[error("{0}")]
    RefundAmountExceeded(String),
    /// In-app purchase: the app has (or had) a product with this sku (`ALREADY_EXISTS`).
    #[error("{0}")]
    AlreadyExists(String),
    /// In-app purchase: the order is not in a state that allows this (`INVALID_STATE`).
    #[error("{0}")]
    InvalidState(String),
    /// No such payment for this app and user, or no such app (`NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// Storage is unavailable.
    #[error("storage unavailable; retry later")]
    Unavailable,
    /// An unexpected failure; the detail has been logged.
    #[error("internal error; see the server log")]
    Internal,
}

impl PayError {
    /// `Invalid` for `field`.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::Invalid { field: Some(field.to_owned()), reason: format!("{field}: {reason}") }
    }

    /// `Internal`, logging `detail`.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "toss pay: internal error");
        Self::Internal
    }
}

impl From<StoreError> for PayError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => Self::ExistingPayment(format!(
                "{what} was used before: an orderNo is never reusable, whatever became of its payment"
            )),
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "toss pay: storage unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}
