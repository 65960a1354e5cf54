//! Identity verification (토스 인증) as partners call it: the cert listener's bodies, under
//! `/api/v2/sign/user/auth/{,id/}{request,status,result}`, `/token` and
//! `/api/v1/certificate/validate`. Field names are the real service's (camelCase).
//!
//! Request bodies do not refuse unknown fields (the real service does not either), and every
//! field is optional at the type level: the service names the missing one in its `CE3000`
//! reason.

use serde::{Deserialize, Serialize};

/// `POST /token` (RFC 6749 §4.4), answered in RFC 6749's own shape, not in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessToken {
    /// An RS256 JWT.
    pub access_token: String,
    /// Always `ca`.
    pub scope: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds: 31,536,000 for test clients, `[idv] live_token_ttl_secs` for live ones.
    pub expires_in: i64,
}

/// An RFC 6749 §5.2 error of `/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
    /// `server_error`.
    pub error: String,
    /// Human-readable detail.
    pub error_description: String,
}

/// `…/request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthRequest {
    /// `USER_PERSONAL` or `USER_NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    /// Where the mini-app continues (at most 1,024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_url: Option<String>,
    /// `APP_SCHEME` or `PUSH` (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<String>,
    /// Encrypted name (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Encrypted phone number, digits only (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_phone: Option<String>,
    /// Encrypted birthday, `YYYYMMDD` (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_birthday: Option<String>,
    /// The session's key, RSA-OAEP-wrapped for the platform's public key (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
}

/// The answer of `…/request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthRequested {
    /// `txId`: pass it to `appsInTossSignTossCert` in the mini-app and keep it.
    pub tx_id: String,
    /// `YYYY-MM-DDThh:mm:ss+09:00`.
    pub requested_dt: String,
    /// Opens the Toss app (here: the simulator) for USER_PERSONAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_scheme: Option<String>,
    /// The same, for Android.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub android_app_uri: Option<String>,
    /// The same, for iOS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ios_app_uri: Option<String>,
}

/// `…/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusRequest {
    /// The transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
}

/// The answer of `…/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthStatus {
    /// `txId`.
    pub tx_id: String,
    /// `REQUESTED`, `IN_PROGRESS`, `COMPLETED` or `EXPIRED`. Progress only: the result call
    /// decides the outcome.
    pub status: String,
    /// `requestedDt`.
    pub requested_dt: String,
}

/// `…/result`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResultRequest {
    /// The transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_id: Option<String>,
    /// A fresh session's key: the personal data come back encrypted for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_key: Option<String>,
}

/// The encrypted personal data of a result (`v1$<sessionId>$<base64>` each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonalData {
    /// CI (연계정보).
    pub ci: String,
    /// Name.
    pub name: String,
    /// `YYYYMMDD`.
    pub birthday: String,
    /// `MALE` / `FEMALE`.
    pub gender: String,
    /// `LOCAL` / `FOREIGNER`.
    pub nationality: String,
    /// Always `null` here.
    pub ci2: Option<String>,
    /// DI.
    pub di: String,
    /// Always `null` here.
    pub ci_update: Option<String>,
    /// `ADULT` / `MINOR`.
    pub age_group: String,
}

/// The answer of `…/result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthResult {
    /// `txId`.
    pub tx_id: String,
    /// Always `COMPLETED`.
    pub status: String,
    /// Always `null` here.
    pub user_identifier: Option<String>,
    /// Always `null` here.
    pub user_ci_token: Option<String>,
    /// Base64 DER CMS SignedData by the user's certificate: store it with the txId.
    pub signature: Option<String>,
    /// Always `null` here.
    pub random_value: Option<String>,
    /// When the user completed it.
    pub completed_dt: Option<String>,
    /// When it was requested.
    pub requested_dt: String,
    /// Encrypted for the request's session.
    pub personal_data: PersonalData,
}

/// `POST /api/v1/certificate/validate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidateRequest {
    /// The signer certificate from a result's `signature`, PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

/// The answer of `POST /api/v1/certificate/validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Validated {
    /// Issued by the (sandbox) Toss CA: chain and signature.
    pub valid: bool,
    /// `valid`, and within its validity period now.
    pub enabled: bool,
}

/// `GET /api/v2/sign/public-key` with `Accept: application/json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// Base64 SubjectPublicKeyInfo DER of the RSA-4096 key.
    pub public_key: String,
}
