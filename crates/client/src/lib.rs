//! `intoss-client`: talk to an Apps-in-Toss style platform (the real one, or intoss).
//!
//! - [`tls`]: rustls client configs with the seed's policy (TLS 1.2+, AEAD suites), optionally
//!   presenting a client certificate (mTLS) and trusting a private CA.
//! - [`HttpsClient`]: a small pooled HTTPS client over that config.
//! - [`decode_envelope`]: `resultType` first, then the typed `success` or a [`ClientError::Api`]
//!   carrying `errorCode`, `reason` and the HTTP status.
//! - [`AdminClient`]: the intoss admin API, used by the `intoss` CLI.

mod admin;
mod http;
pub mod tls;

pub use admin::AdminClient;
pub use http::{HttpsClient, Response, decode_envelope};
pub use hyper::http::Method;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The platform answered with a FAIL envelope.
    #[error("{code}: {reason} (HTTP {status})")]
    Api {
        /// HTTP status.
        status: u16,
        /// `error.errorCode`.
        code: String,
        /// `error.reason`.
        reason: String,
    },
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
