//! The gateway's built-in routes (mTLS).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// `GET /api-partner/v1/whoami`: who the gateway thinks is calling, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WhoAmI<'a> {
    /// The app of the client certificate.
    pub app: Cow<'a, str>,
    /// The certificate's serial, lowercase hex.
    pub cert_serial: Cow<'a, str>,
    /// Its end of validity (RFC 3339).
    pub not_after: String,
    /// The app's requests per minute.
    pub qpm_limit: u32,
    /// Requests left in the current window after this one.
    pub remaining: u32,
    /// `TLSv1_3` or `TLSv1_2`.
    pub tls_version: Cow<'a, str>,
    /// The negotiated suite, e.g. `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: Cow<'a, str>,
}

/// `POST /api-partner/v1/echo`: the JSON body sent, as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Echo {
    /// The request body.
    pub echo: serde_json::Value,
}
