//! Errors: the one place where internal failures become wire responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intoss_proto::{Envelope, ErrorCode};
use intoss_store::StoreError;

/// A failed request, as the caller will see it: an errorCode (which fixes the HTTP status) and
/// a reason. Rendered as a FAIL envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// Human-readable reason; never contains secrets.
    pub reason: String,
    /// Seconds for the `Retry-After` header (429).
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with `code` and `reason`.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self { code, reason: reason.into(), retry_after_secs: None }
    }

    /// `INVALID_PARAMETER`.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, reason)
    }

    /// `NOT_FOUND`.
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, reason)
    }

    /// `INTERNAL_ERROR`; the detail goes to the log, not to the caller.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(ErrorCode::InternalError, "internal error; see the server log")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body: Envelope<()> = Envelope::fail(self.code.as_str(), self.reason);
        let mut resp = json_response(status, &body);
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(format!("{what} not found")),
            StoreError::Conflict(what) => {
                Self::new(ErrorCode::AlreadyExists, format!("{what} already exists"))
            }
            StoreError::Backend(detail) => {
                tracing::error!(%detail, "storage unavailable");
                Self::new(ErrorCode::ServiceUnavailable, "storage unavailable; retry later")
            }
            other => Self::internal(other),
        }
    }
}

impl From<intoss_pki::PkiError> for ApiError {
    fn from(e: intoss_pki::PkiError) -> Self {
        use intoss_pki::PkiError as P;
        match e {
            P::Malformed { .. } | P::CsrSignature | P::WeakKey(_) => Self::invalid(e.to_string()),
            other => Self::internal(other),
        }
    }
}

impl From<intoss_idv::IdvError> for ApiError {
    fn from(e: intoss_idv::IdvError) -> Self {
        use intoss_idv::IdvError as I;
        match e {
            I::UnknownTransaction => Self::not_found("no such transaction or client"),
            I::InvalidParameter(reason) => Self::invalid(reason),
            I::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            I::Internal => Self::new(ErrorCode::ServiceUnavailable, "storage unavailable; retry later"),
            // The partner-facing codes (tokens, sessions, result limits) do not arise from the
            // admin API; should one, it is a conflict with the transaction's state.
            other @ (I::InvalidToken
            | I::Undecryptable(_)
            | I::SessionReused
            | I::ResultLimit
            | I::NotCompleted
            | I::Expired
            | I::ResultWindowPassed) => Self::new(ErrorCode::InvalidState, other.to_string()),
            other => Self::internal(other),
        }
    }
}

/// A SUCCESS envelope with `status`.
pub fn success<T: serde::Serialize>(status: StatusCode, value: T) -> Response {
    json_response(status, &Envelope::success(value))
}

/// `value` as an `application/json` response. Serialised straight into one buffer sized for a
/// typical envelope: axum's `Json` writes through `BytesMut`, which callgrind showed costing
/// several thousand instructions per small response (docs/performance.md).
pub(crate) fn json_response<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
    let mut buf = Vec::with_capacity(256);
    let (status, body) = match serde_json::to_writer(&mut buf, value) {
        Ok(()) => (status, axum::body::Body::from(buf)),
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::body::Body::from(
                    r#"{"resultType":"FAIL","error":{"errorCode":"INTERNAL_ERROR","reason":"internal error; see the server log"}}"#,
                ),
            )
        }
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// Why `intoss serve` could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A data-dir file is missing, unreadable, corrupt or too open.
    #[error("{path}: {detail}")]
    DataDir {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The database could not be opened.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The CA could not issue a server certificate.
    #[error("CA: {0}")]
    Pki(#[from] intoss_pki::PkiError),
    /// TLS material refused.
    #[error("TLS: {0}")]
    Tls(#[from] intoss_tls::TlsError),
    /// A listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
