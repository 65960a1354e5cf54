//! Toss Login (토스 로그인): the partner API on the gateway and its admin side.
//!
//! Partner side (camelCase, as the real service): `generate-token`, `refresh-token`,
//! `login-me`, `access/remove-by-access-token`, `access/remove-by-user-key` under
//! [`BASE`]. A code or token that is expired, used, revoked or another app's gets the OAuth
//! body [`InvalidGrant`] instead of the envelope.
//!
//! Admin side (snake_case, as the rest of `/admin/v1`): sandbox users, each app's login
//! settings and decryption key, and the simulator's login and unlink.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[cfg(feature = "openapi")]
use super::closed;

/// Where the Toss Login routes live on the gateway.
pub const BASE: &str = "/api-partner/v1/apps-in-toss/user/oauth2/";

/// The consent scopes a user can grant (동의 항목).
pub const SCOPES: &[&str] =
    &["USER_NAME", "USER_EMAIL", "USER_GENDER", "USER_BIRTHDAY", "USER_NATIONALITY", "USER_PHONE", "USER_CI"];

/// Why a user's link to an app ended, as the unlink callback's `referrer` says.
pub const UNLINK_REASONS: &[&str] = &["UNLINK", "WITHDRAWAL_TERMS", "WITHDRAWAL_TOSS"];

// === partner side ===

/// `POST .../generate-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GenerateToken {
    /// The code from the SDK's `appLogin()` (valid 10 minutes, single use).
    pub authorization_code: String,
    /// `DEFAULT` (Toss app) or `SANDBOX` / `sandbox` (sandbox app).
    pub referrer: String,
}

/// `POST .../refresh-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshToken {
    /// The refresh token (14 days; rotated: each use answers a new one and ends this one).
    pub refresh_token: String,
}

/// The answer of `generate-token` and `refresh-token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// Always `Bearer`.
    pub token_type: String,
    /// For `Authorization: Bearer` (1 hour).
    pub access_token: String,
    /// For `refresh-token` (14 days).
    pub refresh_token: String,
    /// Seconds the access token has left.
    pub expires_in: i64,
    /// Granted scopes, space-separated (`user_key user_name ...`).
    pub scope: String,
}

/// The answer of `login-me`: plain identifiers and the consented fields, each encrypted with
/// the app's key (AES-256-GCM, `base64(IV(12) || ciphertext || tag(16))`); `null` without
/// consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginMe {
    /// The app's key for this user.
    pub user_key: i64,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// Agreed term tags.
    pub agreed_terms: Vec<String>,
    /// Encrypted name (USER_NAME).
    pub name: Option<String>,
    /// Encrypted phone number, digits (USER_PHONE).
    pub phone: Option<String>,
    /// Encrypted `yyyyMMdd` (USER_BIRTHDAY).
    pub birthday: Option<String>,
    /// Encrypted CI (USER_CI).
    pub ci: Option<String>,
    /// Always `null`, as in the real service.
    pub di: Option<String>,
    /// Encrypted `MALE` / `FEMALE` (USER_GENDER).
    pub gender: Option<String>,
    /// Encrypted `LOCAL` / `FOREIGNER` (USER_NATIONALITY).
    pub nationality: Option<String>,
    /// Encrypted e-mail (USER_EMAIL); `null` when the user has none.
    pub email: Option<String>,
}

/// `POST .../access/remove-by-user-key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveByUserKey {
    /// The app's key of the user to unlink.
    pub user_key: i64,
}

/// The answer of both remove calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Removed {
    /// The user unlinked.
    pub user_key: i64,
}

/// The OAuth error body (not an envelope) of an expired, used, revoked or foreign code or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvalidGrant {
    /// `invalid_grant`.
    pub error: String,
}

/// The JSON body of a POST unlink callback (the GET form has the same fields as a query).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnlinkCallback {
    /// The app's key of the user.
    pub user_key: i64,
    /// `UNLINK`, `WITHDRAWAL_TERMS` or `WITHDRAWAL_TOSS`.
    pub referrer: String,
}

// === admin side ===

/// A person of the sandbox (`/admin/v1/users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SandboxUser {
    /// Stable id, used by the simulator and the CLI (`--user`).
    #[cfg_attr(feature = "openapi", schema(example = "kim-toss"))]
    pub id: String,
    /// 이름.
    #[cfg_attr(feature = "openapi", schema(example = "김토스"))]
    pub name: String,
    /// Digits only.
    #[cfg_attr(feature = "openapi", schema(example = "01012345678"))]
    pub phone: String,
    /// `yyyyMMdd`.
    #[cfg_attr(feature = "openapi", schema(example = "19930324"))]
    pub birthday: String,
    /// `MALE` or `FEMALE`.
    #[cfg_attr(feature = "openapi", schema(schema_with = gender_schema))]
    pub gender: String,
    /// `LOCAL` or `FOREIGNER`.
    #[cfg_attr(feature = "openapi", schema(schema_with = nationality_schema))]
    pub nationality: String,
    /// E-mail, if any.
    pub email: Option<String>,
    /// 연계정보 (88 characters).
    pub ci: String,
    /// Creation time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// When the user left Toss in the simulator (`WITHDRAWAL_TOSS`).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub withdrawn_at: Option<String>,
}

#[cfg(feature = "openapi")]
fn gender_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("`MALE` or `FEMALE`", &["MALE", "FEMALE"], false)
}

#[cfg(feature = "openapi")]
fn nationality_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("`LOCAL` or `FOREIGNER`", &["LOCAL", "FOREIGNER"], false)
}

/// `GET /admin/v1/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserList {
    /// Oldest first.
    pub users: Vec<SandboxUser>,
}

/// `POST /admin/v1/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 1–64 characters of `a-z 0-9 -`; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// 이름, 1–50 characters.
    pub name: String,
    /// Digits, 10–11 (`010...`).
    pub phone: String,
    /// `yyyyMMdd`, a real date.
    pub birthday: String,
    /// `MALE` or `FEMALE`.
    pub gender: String,
    /// `LOCAL` (default) or `FOREIGNER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// E-mail, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// 연계정보; derived from the identity when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
}

/// An app's Toss Login settings and field-decryption key (`/admin/v1/apps/{name}/login`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginSettings {
    /// The app.
    pub app: String,
    /// AES-256 key of the encrypted `login-me` fields, base64 (이메일로 받는 복호화 키).
    pub decryption_key: String,
    /// The AAD that goes with the key.
    pub aad: String,
    /// Whether `mock-auth-<uuid>` codes with referrer `SANDBOX` are accepted.
    pub test_mode: bool,
    /// The user a mock code logs in (the first sandbox user when unset).
    pub default_user: Option<String>,
    /// Where the simulator sends the user with `?code=...&referrer=...`.
    pub return_url: Option<String>,
    /// The partner's unlink callback URL.
    pub unlink_url: Option<String>,
    /// `GET` or `POST`.
    pub unlink_method: String,
    /// Whether a Basic Auth header is configured (the value is never shown).
    pub unlink_basic_auth_set: bool,
}

/// `PATCH /admin/v1/apps/{name}/login`: absent fields are left as they are; `null` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchLoginSettings {
    /// Accept mock codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mode: Option<bool>,
    /// A sandbox user's id, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    pub default_user: Option<Option<String>>,
    /// An `http(s)://` URL, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    pub return_url: Option<Option<String>>,
    /// An `http(s)://` URL, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    pub unlink_url: Option<Option<String>>,
    /// `GET` or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlink_method: Option<String>,
    /// `user:password`, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "double_option")]
    pub unlink_basic_auth: Option<Option<String>>,
    /// `true`: a new decryption key (the old one stops decrypting new answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_key: Option<bool>,
}

/// `Option<Option<T>>` that tells an absent field (`None`) from `null` (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<S: Serializer, T: Serialize>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// `POST /admin/v1/sim/login`: a user logs in to an app in the simulated Toss app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimLogin {
    /// The app.
    pub app: String,
    /// The sandbox user's id.
    pub user: String,
    /// The scopes consented to (of [`SCOPES`]).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Term tags agreed to.
    #[serde(default)]
    pub agreed_terms: Vec<String>,
    /// `DEFAULT` (default) or `SANDBOX`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
}

/// The answer of a simulator login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SimLoginCode {
    /// The code the partner's front end passes to its server (`authorizationCode`).
    pub authorization_code: String,
    /// What `appLogin()` would give with it.
    pub referrer: String,
    /// Seconds the code is valid (600).
    pub expires_in: i64,
    /// The app's userKey for this user.
    pub user_key: i64,
    /// The app's return URL with `code` and `referrer` appended, when it has one.
    pub return_url: Option<String>,
}

/// `POST /admin/v1/sim/unlink`: a user ends an app's access in the simulated Toss app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimUnlink {
    /// The app (all the user's apps for `WITHDRAWAL_TOSS` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The sandbox user's id.
    pub user: String,
    /// `UNLINK`, `WITHDRAWAL_TERMS` or `WITHDRAWAL_TOSS`.
    #[cfg_attr(feature = "openapi", schema(schema_with = reason_schema))]
    pub reason: String,
}

#[cfg(feature = "openapi")]
fn reason_schema() -> utoipa::openapi::schema::Schema {
    closed::strings("Why the link ends", UNLINK_REASONS, false)
}

/// The answer of a simulator unlink: each app told, with its userKey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SimUnlinked {
    /// The links ended.
    pub unlinked: Vec<UnlinkedApp>,
}

/// One ended link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UnlinkedApp {
    /// The app.
    pub app: String,
    /// Its userKey of the user.
    pub user_key: i64,
    /// Whether the app has an unlink callback (delivery happens after the answer).
    pub callback: bool,
}

/// A user's link to an app (`GET /admin/v1/users/{id}/links`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Link {
    /// The app.
    pub app: String,
    /// The user.
    pub user: String,
    /// The app's key for the user.
    pub user_key: i64,
    /// Consented scopes.
    pub scopes: Vec<String>,
    /// Last login.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub linked_at: String,
    /// When it ended, if it did.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub unlinked_at: Option<String>,
}

/// `GET /admin/v1/users/{id}/links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LinkList {
    /// Newest first.
    pub links: Vec<Link>,
}
