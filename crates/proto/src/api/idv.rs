//! Identity verification (토스 인증) as partners call it: the cert listener's bodies, under
//! `/api/v2/sign/user/auth/{,id/}{request,status,result}`, `/token` and
//! `/api/v1/certificate/validate`. Field names are the real service's (camelCase).
//!
//! Request bodies do not refuse unknown fields (the real service does not either), and every
//! field is optional at the type level: the service names the missing one in its `CE3000`
//! reason.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use super::closed;

/// `POST /token` (RFC 6749 §4.4), answered in RFC 6749's own shape, not in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessToken {
    /// An RS256 JWT: send it as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `ca`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::scope))]
    pub scope: String,
    /// Always `Bearer`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::token_type))]
    pub token_type: String,
    /// Seconds: 31,536,000 for test clients, `[idv] live_token_ttl_secs` for live ones.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 31_536_000))]
    pub expires_in: i64,
}

/// An RFC 6749 §5.2 error of `/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
    /// `server_error`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::oauth_error))]
    pub error: String,
    /// Human-readable detail.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub error_description: String,
}

/// `…/request`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthRequest {
    /// `USER_PERSONAL` or `USER_NONE` (원터치 인증: the user is not named in advance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::request_type))]
    pub request_type: Option<String>,
    /// Where the mini-app continues (1 to 1,024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, min_length = 1, max_length = 1024, example = "intoss://my-app/verified")
    )]
    pub request_url: Option<String>,
    /// `APP_SCHEME` or `PUSH` (USER_PERSONAL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::trigger_type))]
    pub trigger_type: Option<String>,
    /// Encrypted name (USER_PERSONAL): `v1$<sessionId>$<base64>`, encrypted with the
    /// `sessionKey`'s session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1))]
    pub user_name: Option<String>,
    /// Encrypted phone number, digits only (USER_PERSONAL): `v1$<sessionId>$<base64>`,
    /// encrypted with the `sessionKey`'s session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1))]
    pub user_phone: Option<String>,
    /// Encrypted birthday, `YYYYMMDD` (USER_PERSONAL): `v1$<sessionId>$<base64>`, encrypted
    /// with the `sessionKey`'s session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1))]
    pub user_birthday: Option<String>,
    /// The session's key, RSA-OAEP-wrapped for the platform's public key (USER_PERSONAL):
    /// `v1$<sessionId>$<base64 of the RSA-OAEP block>`, a new AES-256-GCM session wrapped with
    /// the key of `GET /api/v2/sign/public-key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 1))]
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
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$")
    )]
    pub requested_dt: String,
    /// Opens the Toss app (here: the console's simulator page) for USER_PERSONAL.
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
    /// The transaction: the `txId` the request answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 1, max_length = 64)
    )]
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
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::tx_status))]
    pub status: String,
    /// `requestedDt`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$")
    )]
    pub requested_dt: String,
}

/// `…/result`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResultRequest {
    /// The transaction: the `txId` the request answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = true, min_length = 1, max_length = 64)
    )]
    pub tx_id: Option<String>,
    /// A fresh session's key: the personal data come back encrypted for it
    /// (`v1$<sessionId>$<base64 of the RSA-OAEP block>`, wrapped with the key of
    /// `GET /api/v2/sign/public-key`). A session already used in this transaction is CE3002.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true, min_length = 1))]
    pub session_key: Option<String>,
}

/// The encrypted personal data of a result: every string is encrypted with the result call's
/// session (`v1$<sessionId>$<base64>` each); the values named below are the plaintexts.
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
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::completed))]
    pub status: String,
    /// Always `null` here.
    pub user_identifier: Option<String>,
    /// Always `null` here.
    pub user_ci_token: Option<String>,
    /// Base64 DER CMS SignedData by the user's certificate (sandbox Toss CA): store it with
    /// the txId.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub signature: Option<String>,
    /// Always `null` here.
    pub random_value: Option<String>,
    /// When the user completed it (`YYYY-MM-DDThh:mm:ss+09:00`).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$")
    )]
    pub completed_dt: Option<String>,
    /// When it was requested.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+09:00$")
    )]
    pub requested_dt: String,
    /// Encrypted for the session of this result call's `sessionKey`.
    pub personal_data: PersonalData,
}

/// `POST /api/v1/certificate/validate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidateRequest {
    /// The signer certificate from a result's `signature`, PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = true))]
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

/// The closed sets of this module's string fields, for `schema_with`.
#[cfg(feature = "openapi")]
mod closed_sets {
    use utoipa::openapi::schema::Schema;

    use super::closed::strings;

    pub(super) fn scope() -> Schema {
        strings("Always `ca`.", &["ca"], false)
    }

    pub(super) fn token_type() -> Schema {
        strings("Always `Bearer`.", &["Bearer"], false)
    }

    pub(super) fn oauth_error() -> Schema {
        strings(
            "`invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`, `server_error`.",
            &["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope", "server_error"],
            false,
        )
    }

    pub(super) fn request_type() -> Schema {
        strings(
            "`USER_PERSONAL` or `USER_NONE` (원터치 인증: the user is not named in advance).",
            &["USER_PERSONAL", "USER_NONE"],
            false,
        )
    }

    pub(super) fn trigger_type() -> Schema {
        strings("`APP_SCHEME` or `PUSH` (USER_PERSONAL).", &["APP_SCHEME", "PUSH"], false)
    }

    pub(super) fn tx_status() -> Schema {
        strings(
            "`REQUESTED`, `IN_PROGRESS`, `COMPLETED` or `EXPIRED`. Progress only: the result call decides the outcome.",
            &["REQUESTED", "IN_PROGRESS", "COMPLETED", "EXPIRED"],
            false,
        )
    }

    pub(super) fn completed() -> Schema {
        strings("Always `COMPLETED`.", &["COMPLETED"], false)
    }
}
