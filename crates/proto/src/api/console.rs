//! The web console's sign-in (`/console/...` on the console listener).

use serde::{Deserialize, Serialize};

use super::Endpoints;

/// `POST /console/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The admin token (`DATA_DIR/admin-token`).
    pub token: String,
}

/// A signed-in session's CSRF token: send it as `X-Intoss-CSRF` with every write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedIn {
    /// The CSRF token.
    pub csrf: String,
}

/// `GET /console/session`: whether the browser is signed in, and what the page needs then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Whether the cookie is a live session.
    pub signed_in: bool,
    /// The session's CSRF token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csrf: Option<String>,
    /// The listeners' addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    /// The platform CA certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

/// `POST /console/logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedOut {
    /// Always `true`.
    pub signed_out: bool,
}
