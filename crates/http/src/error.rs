//! Errors: the one place where failures become wire responses of the gateway and the admin API.
//!
//! [`ApiError`] carries an [`ErrorCode`] (which fixes the HTTP status, in `intoss-proto`), a
//! reason, and the request field at fault when there is one. [`From<CoreError>`] decides which
//! platform failures are the caller's (`INVALID_PARAMETER`, `NOT_FOUND`, `ALREADY_EXISTS`,
//! `INVALID_STATE`) and which are not (`SERVICE_UNAVAILABLE`, `INTERNAL_ERROR`, whose detail went
//! to the log only).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use intoss_core::{CoreError, RenewalRefusal};
use intoss_events::EventsError;
use intoss_login::LoginError;
use intoss_messages::MessageError;
use intoss_pay::PayError;
use intoss_promotions::PromotionError;
use intoss_proto::{Envelope, ErrorCode};

/// A failed request, as the caller will see it: an errorCode (which fixes the HTTP status), a
/// reason, and the field at fault. Rendered as a FAIL envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// Human-readable reason; never contains secrets.
    pub reason: String,
    /// The request field at fault (`error.field` on the wire).
    pub field: Option<String>,
    /// Seconds for the `Retry-After` header (429).
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with `code` and `reason`.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self { code, reason: reason.into(), field: None, retry_after_secs: None }
    }

    /// `INVALID_PARAMETER`.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, reason)
    }

    /// `INVALID_PARAMETER` naming `field`.
    pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::invalid(reason) }
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

    /// `METHOD_NOT_ALLOWED` for `method` on `path`.
    pub fn method_not_allowed(method: &http::Method, path: &str) -> Self {
        Self::new(ErrorCode::MethodNotAllowed, format!("{method} is not allowed on {path}"))
    }
}

/// The `errorCode` of a FAIL envelope the platform made, attached to its response for the
/// request journal (no body is parsed for it).
#[derive(Debug, Clone)]
pub struct ErrorTag(pub std::borrow::Cow<'static, str>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body: Envelope<()> = Envelope::fail(self.code.as_str(), self.reason);
        if let Some(error) = body.error.as_mut() {
            error.field = self.field;
        }
        let mut resp = json_response(status, &body);
        resp.extensions_mut().insert(ErrorTag(std::borrow::Cow::Borrowed(self.code.as_str())));
        if let Some(secs) = self.retry_after_secs
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            CoreError::NotFound(reason) => Self::not_found(reason),
            CoreError::AlreadyExists(reason) => Self::new(ErrorCode::AlreadyExists, reason),
            CoreError::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            CoreError::RenewalRefused { refusal, reason } => Self::new(
                match refusal {
                    RenewalRefusal::NotAllowed => ErrorCode::RenewalNotAllowed,
                    RenewalRefusal::TooEarly => ErrorCode::RenewalTooEarly,
                    // `RenewalRefusal` is non-exhaustive: a new rule is a refusal of this kind
                    // until it has its own code.
                    _ => ErrorCode::TooManyCertificates,
                },
                reason,
            ),
            e @ CoreError::NotApplied => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            CoreError::Unavailable(reason) => Self::new(ErrorCode::ServiceUnavailable, reason),
            // Logged where it arose.
            e => Self::new(ErrorCode::InternalError, e.to_string()),
        }
    }
}

impl From<LoginError> for ApiError {
    /// The envelope of a Toss Login failure. `InvalidGrant` has its own OAuth body (not an
    /// envelope), written by the gateway; should it reach here it is a refusal without detail.
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            LoginError::UserKeyNotFound(reason) => Self::new(ErrorCode::UserKeyNotFound, reason),
            LoginError::UserNotFound(reason) => Self::new(ErrorCode::UserNotFound, reason),
            LoginError::NotFound(reason) => Self::not_found(reason),
            LoginError::AlreadyExists(reason) => Self::new(ErrorCode::AlreadyExists, reason),
            e @ LoginError::InvalidGrant => Self::new(ErrorCode::Unauthorized, e.to_string()),
            e @ LoginError::Unavailable => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            // Logged where it arose.
            e => Self::new(ErrorCode::InternalError, e.to_string()),
        }
    }
}

impl From<PayError> for ApiError {
    /// The envelope of a Toss Pay or in-app purchase failure.
    fn from(e: PayError) -> Self {
        match e {
            PayError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            PayError::UserKeyNotFound(reason) => Self::new(ErrorCode::UserKeyNotFound, reason),
            PayError::ExistingPayment(reason) => Self::new(ErrorCode::PaymentExistingPayment, reason),
            PayError::NotApproved(reason) => Self::new(ErrorCode::PaymentNotApproved, reason),
            PayError::Canceled(reason) => Self::new(ErrorCode::PaymentCanceled, reason),
            PayError::AlreadyCompleted(reason) => Self::new(ErrorCode::PaymentAlreadyCompleted, reason),
            PayError::NotRefundable(reason) => Self::new(ErrorCode::PaymentNotRefundable, reason),
            PayError::RefundAmountExceeded(reason) => Self::new(ErrorCode::RefundAmountExceeded, reason),
            PayError::AlreadyExists(reason) => Self::new(ErrorCode::AlreadyExists, reason),
            PayError::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            PayError::NotFound(reason) => Self::not_found(reason),
            e @ PayError::Unavailable => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            // Logged where it arose.
            e => Self::new(ErrorCode::InternalError, e.to_string()),
        }
    }
}

impl From<MessageError> for ApiError {
    /// The envelope of a message failure.
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            MessageError::UserKeyNotFound(reason) => Self::new(ErrorCode::UserKeyNotFound, reason),
            MessageError::NotApproved(reason) => Self::new(ErrorCode::TemplateNotApproved, reason),
            MessageError::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            MessageError::AlreadyExists(reason) => Self::new(ErrorCode::AlreadyExists, reason),
            MessageError::NotFound(reason) => Self::not_found(reason),
            e @ MessageError::Unavailable => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            // Logged where it arose.
            e => Self::new(ErrorCode::InternalError, e.to_string()),
        }
    }
}

impl From<EventsError> for ApiError {
    fn from(e: EventsError) -> Self {
        match e {
            EventsError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            EventsError::NotFound(reason) => Self::not_found(reason),
            EventsError::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            e @ EventsError::Unavailable => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            e => Self::new(ErrorCode::InternalError, e.to_string()),
        }
    }
}

impl From<PromotionError> for ApiError {
    /// The envelope of a promotion failure: the refusals carry the client SDK's numeric codes.
    fn from(e: PromotionError) -> Self {
        match e {
            PromotionError::Invalid { field, reason } => Self { field, ..Self::invalid(reason) },
            PromotionError::UserKeyNotFound(reason) => Self::new(ErrorCode::UserKeyNotFound, reason),
            PromotionError::PromotionNotFound(reason) => Self::new(ErrorCode::PromotionNotFound, reason),
            PromotionError::Paused(reason) => Self::new(ErrorCode::PromotionPaused, reason),
            PromotionError::Ended(reason) => Self::new(ErrorCode::PromotionEnded, reason),
            PromotionError::CannotGrant(reason) => Self::new(ErrorCode::PromotionCannotGrant, reason),
            PromotionError::InsufficientBudget(reason) => {
                Self::new(ErrorCode::PromotionInsufficientBudget, reason)
            }
            PromotionError::AlreadyGranted(reason) => Self::new(ErrorCode::PromotionAlreadyGranted, reason),
            PromotionError::OverLimit(reason) => Self::new(ErrorCode::PromotionOverLimit, reason),
            PromotionError::AlreadyExists(reason) => Self::new(ErrorCode::AlreadyExists, reason),
            PromotionError::InvalidState(reason) => Self::new(ErrorCode::InvalidState, reason),
            PromotionError::NotFound(reason) => Self::not_found(reason),
            e @ PromotionError::Unavailable => Self::new(ErrorCode::ServiceUnavailable, e.to_string()),
            // Logged where it arose.
            e => Self::new(ErrorCode::InternalError, e.to_string()),
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
pub fn json_response<T: serde::Serialize>(status: StatusCode, value: &T) -> Response {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use http_body_util::BodyExt;

    async fn body(e: ApiError) -> (u16, serde_json::Value) {
        let resp = e.into_response();
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn core_errors_map_to_codes_and_statuses() {
        for (e, status, code) in [
            (CoreError::invalid("qpm", "at most 10"), 400, "INVALID_PARAMETER"),
            (CoreError::NotFound("app `a` not found".into()), 404, "NOT_FOUND"),
            (CoreError::AlreadyExists("app a already exists".into()), 409, "ALREADY_EXISTS"),
            (CoreError::InvalidState("transaction is EXPIRED".into()), 409, "INVALID_STATE"),
            (CoreError::NotApplied, 503, "SERVICE_UNAVAILABLE"),
            (CoreError::Unavailable("storage unavailable; retry later".into()), 503, "SERVICE_UNAVAILABLE"),
            (CoreError::Internal, 500, "INTERNAL_ERROR"),
        ] {
            let (s, v) = body(e.clone().into()).await;
            assert_eq!((s, v["error"]["errorCode"].as_str().unwrap()), (status, code), "{e:?}");
            assert_eq!(v["resultType"], "FAIL");
            assert_eq!(v["error"]["reason"], e.to_string());
        }
    }

    #[tokio::test]
    async fn the_field_at_fault_is_on_the_wire_only_when_known() {
        let (_, v) = body(CoreError::invalid("allow_ips", "bad entry").into()).await;
        assert_eq!(v["error"]["field"], "allow_ips");
        assert_eq!(v["error"]["reason"], "allow_ips: bad entry");
        let (_, v) = body(ApiError::not_found("no API at /x")).await;
        assert!(v["error"].get("field").is_none(), "{v}");
    }
}
