//! `intoss-client`: talk to an Apps-in-Toss style platform (the real one, or intoss).
//!
//! - [`tls`]: rustls client configs with the seed's policy (TLS 1.2+, AEAD suites), optionally
//!   presenting a client certificate (mTLS) and trusting a private CA.
//! - [`HttpsClient`]: a small pooled HTTPS client over that config.
//! - [`decode_envelope`]: `resultType` first, then the typed `success` or a [`ClientError::Api`]
//!   carrying `errorCode`, `reason` and the HTTP status.
//! - [`PartnerClient`]: the Apps-in-Toss API over mTLS from certificate files that are reloaded
//!   when they are replaced, with client-side QPM pacing and retries.
//! - [`idv::IdvClient`]: identity verification (토스 인증) with token caching and field crypto.
//! - [`login::LoginClient`]: Toss Login (토스 로그인): code exchange, single-flight refresh,
//!   `login-me` decrypted into a typed user.
//! - [`pay::PayClient`]: Toss Pay (토스페이): make, execute, refund, status.
//! - [`iap::IapClient`]: in-app purchase (인앱 결제): an order's status.
//! - [`messages::MessengerClient`]: messages (기능성 푸시, 알림): single, test and bulk sends.
//! - [`promotions::PromotionClient`]: promotions (토스 포인트): key, execute, result.
//! - [`webhook::WebhookVerifier`]: verifies the platform's signed event deliveries (Standard
//!   Webhooks); `VerifyWebhookLayer` (feature `callback`) as a tower layer.
//! - `callback` (feature `callback`): a tower layer admitting inbound callbacks only from
//!   Toss's addresses.
//! - `AdminClient` (feature `admin`): the intoss admin API, used by the `intoss` CLI.
//!
//! With default features the SDK depends on no server crate, no Redis client and no axum.

#![warn(missing_docs)]

#[cfg(feature = "admin")]
mod admin;
#[cfg(feature = "callback")]
pub mod callback;
mod http;
pub mod iap;
pub mod identity;
pub mod idv;
pub mod login;
pub mod messages;
pub mod partner;
pub mod pay;
pub mod promotions;
pub mod renew;
pub mod tls;
pub mod webhook;

#[cfg(feature = "admin")]
pub use admin::AdminClient;
pub use http::{HttpsClient, Response, decode_envelope};
pub use hyper::http::Method;
pub use intoss_proto::{IpAllowlist, network};
pub use partner::{PartnerClient, PartnerClientBuilder, RenewalStatus, RetryPolicy};

/// Percent-encodes everything but the RFC 3986 unreserved characters: for path segments,
/// query values and `application/x-www-form-urlencoded` values alike.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A FAIL envelope, with everything the platform said.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// HTTP status.
    pub status: u16,
    /// `error.errorCode`, e.g. `INVALID_PARAMETER`, `TOO_MANY_REQUESTS` or `CE3102`.
    pub code: String,
    /// `error.reason`.
    pub reason: String,
    /// `error.errorType` (identity verification).
    pub error_type: Option<i64>,
    /// `error.data` (identity verification).
    pub data: Option<serde_json::Value>,
    /// `error.title` (identity verification).
    pub title: Option<serde_json::Value>,
    /// The `Retry-After` header, on 429.
    pub retry_after: Option<std::time::Duration>,
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The platform answered with a FAIL envelope.
    #[error("{}: {} (HTTP {})", .0.code, .0.reason, .0.status)]
    Api(Box<ApiFailure>),
    /// Toss Login refused a code or token as expired, used, revoked or another app's
    /// (`{"error":"invalid_grant"}`, with this HTTP status): the user must log in again.
    #[error("invalid_grant (HTTP {0}): the code or token is expired, used, revoked or not this app's")]
    InvalidGrant(u16),
    /// The answer was not an envelope.
    #[error("unexpected response (HTTP {status}): {detail}")]
    Protocol {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// The TLS handshake failed. A missing or refused client certificate lands here: this is
    /// the seed's `ERR_NETWORK`.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// The connection could not be made or broke.
    #[error("transport error: {0}")]
    Transport(String),
    /// Local configuration: unreadable PEM, bad URL.
    #[error("{0}")]
    Config(String),
}
