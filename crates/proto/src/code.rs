//! The stable error codes of the gateway and the admin API.
//!
//! Every FAIL envelope the platform sends carries one of these codes. The HTTP status of each code
//! is decided here and nowhere else.

use std::fmt;

/// A stable `errorCode` of the gateway or the admin API, with its HTTP status.
///
/// The string form (`as_str`) is part of the public contract: partners match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A request parameter or body is malformed (bad JSON, a missing or invalid field). HTTP 400.
    InvalidParameter,
    /// The client certificate's identity is not usable: unknown to the platform. HTTP 401.
    UnknownCertificate,
    /// The client certificate was revoked after this connection was opened. HTTP 401.
    CertificateRevoked,
    /// The client certificate expired after this connection was opened. HTTP 401.
    CertificateExpired,
    /// Missing or wrong admin credentials. HTTP 401.
    Unauthorized,
    /// The caller's source IP is not on the app's allowlist. HTTP 403.
    IpNotAllowed,
    /// A console request without its CSRF token (a cross-site request). HTTP 403.
    Forbidden,
    /// No such resource or route. HTTP 404.
    NotFound,
    /// Toss Login: the userKey is not one of the app's linked users. HTTP 404.
    UserKeyNotFound,
    /// Toss Login: the token's user no longer exists (left Toss). HTTP 404.
    UserNotFound,
    /// The route exists but not for this method. HTTP 405.
    MethodNotAllowed,
    /// The resource already exists (an app name in use). HTTP 409.
    AlreadyExists,
    /// The resource is not in a state that allows this (completing an expired verification). HTTP 409.
    InvalidState,
    /// Toss Pay: the app used this orderNo before; an orderNo is never reusable. HTTP 409.
    PaymentExistingPayment,
    /// Toss Pay: executed before the user approved the payment. HTTP 409.
    PaymentNotApproved,
    /// Toss Pay: the user declined the payment or did not approve it in time. HTTP 409.
    PaymentCanceled,
    /// Toss Pay: the payment was executed before (or approved or declined before, for the simulator). HTTP 409.
    PaymentAlreadyCompleted,
    /// Toss Pay: refund of a payment that was not executed or is refunded in full. HTTP 409.
    PaymentNotRefundable,
    /// Toss Pay: a refund of more than the payment's refundableAmount. HTTP 409.
    RefundAmountExceeded,
    /// Messages: the template is in review or was rejected. HTTP 409.
    TemplateNotApproved,
    /// Promotions `4100`: no such promotion for the app. HTTP 404.
    PromotionNotFound,
    /// Promotions `4104`: the promotion is paused. HTTP 409.
    PromotionPaused,
    /// Promotions `4105`: the promotion has ended. HTTP 409.
    PromotionEnded,
    /// Promotions `4110`: cannot grant: the key is unknown, expired, or another app's or user's. HTTP 409.
    PromotionCannotGrant,
    /// Promotions `4112`: the budget left is less than the amount. HTTP 409.
    PromotionInsufficientBudget,
    /// Promotions `4113`: the key was used for a grant already. HTTP 409.
    PromotionAlreadyGranted,
    /// Promotions `4114`: the amount is over the promotion's per-grant limit. HTTP 400.
    PromotionOverLimit,
    /// The request body is larger than the configured limit. HTTP 413.
    PayloadTooLarge,
    /// The body is not of a media type this route accepts. HTTP 415.
    UnsupportedMediaType,
    /// The app's per-minute request limit is used up. HTTP 429, with `Retry-After`.
    TooManyRequests,
    /// An unexpected server-side failure. HTTP 500.
    InternalError,
    /// The route is not implemented by this platform build. HTTP 501.
    NotImplemented,
    /// The upstream of a proxy route could not be reached or broke the exchange. HTTP 502.
    UpstreamUnavailable,
    /// The platform is shutting down or its storage is unavailable. HTTP 503.
    ServiceUnavailable,
    /// The upstream of a proxy route did not answer in time. HTTP 504.
    UpstreamTimeout,
}

impl ErrorCode {
    /// Every code, in documentation order.
    pub const ALL: &'static [Self] = &[
        Self::InvalidParameter,
        Self::UnknownCertificate,
        Self::CertificateRevoked,
        Self::CertificateExpired,
        Self::Unauthorized,
        Self::IpNotAllowed,
        Self::Forbidden,
        Self::NotFound,
        Self::UserKeyNotFound,
        Self::UserNotFound,
        Self::MethodNotAllowed,
        Self::AlreadyExists,
        Self::InvalidState,
        Self::PaymentExistingPayment,
        Self::PaymentNotApproved,
        Self::PaymentCanceled,
        Self::PaymentAlreadyCompleted,
        Self::PaymentNotRefundable,
        Self::RefundAmountExceeded,
        Self::TemplateNotApproved,
        Self::PromotionNotFound,
        Self::PromotionPaused,
        Self::PromotionEnded,
        Self::PromotionCannotGrant,
        Self::PromotionInsufficientBudget,
        Self::PromotionAlreadyGranted,
        Self::PromotionOverLimit,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::TooManyRequests,
        Self::InternalError,
        Self::NotImplemented,
        Self::UpstreamUnavailable,
        Self::ServiceUnavailable,
        Self::UpstreamTimeout,
    ];

    /// The wire string, e.g. `"INVALID_PARAMETER"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidParameter => "INVALID_PARAMETER",
            Self::UnknownCertificate => "UNKNOWN_CERTIFICATE",
            Self::CertificateRevoked => "CERTIFICATE_REVOKED",
            Self::CertificateExpired => "CERTIFICATE_EXPIRED",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::IpNotAllowed => "IP_NOT_ALLOWED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::UserKeyNotFound => "USER_KEY_NOT_FOUND",
            Self::UserNotFound => "USER_NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::InvalidState => "INVALID_STATE",
            Self::PaymentExistingPayment => "PAYMENT_EXISTING_PAYMENT",
            Self::PaymentNotApproved => "PAYMENT_NOT_APPROVED",
            Self::PaymentCanceled => "PAYMENT_CANCELED",
            Self::PaymentAlreadyCompleted => "PAYMENT_ALREADY_COMPLETED",
            Self::PaymentNotRefundable => "PAYMENT_NOT_REFUNDABLE",
            Self::RefundAmountExceeded => "REFUND_AMOUNT_EXCEEDED",
            Self::TemplateNotApproved => "TEMPLATE_NOT_APPROVED",
            Self::PromotionNotFound => "4100",
            Self::PromotionPaused => "4104",
            Self::PromotionEnded => "4105",
            Self::PromotionCannotGrant => "4110",
            Self::PromotionInsufficientBudget => "4112",
            Self::PromotionAlreadyGranted => "4113",
            Self::PromotionOverLimit => "4114",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::TooManyRequests => "TOO_MANY_REQUESTS",
            Self::InternalError => "INTERNAL_ERROR",
            Self::NotImplemented => "NOT_IMPLEMENTED",
            Self::UpstreamUnavailable => "UPSTREAM_UNAVAILABLE",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::UpstreamTimeout => "UPSTREAM_TIMEOUT",
        }
    }

    /// The HTTP status that goes with this code.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::InvalidParameter | Self::PromotionOverLimit => 400,
            Self::UnknownCertificate
            | Self::CertificateRevoked
            | Self::CertificateExpired
            | Self::Unauthorized => 401,
            Self::IpNotAllowed | Self::Forbidden => 403,
            Self::NotFound | Self::UserKeyNotFound | Self::UserNotFound | Self::PromotionNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::AlreadyExists
            | Self::InvalidState
            | Self::PaymentExistingPayment
            | Self::PaymentNotApproved
            | Self::PaymentCanceled
            | Self::PaymentAlreadyCompleted
            | Self::PaymentNotRefundable
            | Self::RefundAmountExceeded
            | Self::TemplateNotApproved
            | Self::PromotionPaused
            | Self::PromotionEnded
            | Self::PromotionCannotGrant
            | Self::PromotionInsufficientBudget
            | Self::PromotionAlreadyGranted => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::TooManyRequests => 429,
            Self::InternalError => 500,
            Self::NotImplemented => 501,
            Self::UpstreamUnavailable => 502,
            Self::ServiceUnavailable => 503,
            Self::UpstreamTimeout => 504,
        }
    }

    /// Parses a wire string back into a code.
    pub fn from_wire(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(ErrorCode::from_wire(code.as_str()), Some(*code));
            assert!((400..600).contains(&code.http_status()));
        }
        assert_eq!(ErrorCode::from_wire("NOPE"), None);
    }
}
