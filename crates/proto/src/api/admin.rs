//! The admin API (`/admin/v1/...` on the console listener).
//!
//! Times are RFC 3339 UTC strings unless a field says otherwise. Request bodies refuse unknown
//! fields (a typo is an error, not a silent no-op).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

#[cfg(feature = "openapi")]
use super::closed;

// === apps ===

/// An app: a partner mini-app that holds certificates and calls the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct App {
    /// Unique name; also the common name of its certificates.
    #[cfg_attr(feature = "openapi", schema(example = "my-app"))]
    pub name: String,
    /// Requests per minute the gateway admits (default 3,000).
    #[cfg_attr(feature = "openapi", schema(example = 3000))]
    pub qpm: u32,
    /// Source-IP allowlist in canonical form; empty admits every address.
    #[cfg_attr(feature = "openapi", schema(example = json!(["117.52.3.80/29", "10.0.0.1/32"])))]
    pub allow_ips: Vec<String>,
    /// Where certificate expiry warnings are POSTed.
    #[cfg_attr(
        feature = "openapi",
        schema(format = "uri", example = "https://partner.example/hooks/intoss")
    )]
    pub webhook_url: Option<String>,
    /// Creation time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

/// `POST /admin/v1/apps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApp {
    /// 1–64 characters of `A-Z a-z 0-9 - _ .`, starting with a letter or digit.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "my-app", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    )]
    pub name: String,
    /// Requests per minute; the platform default (3,000) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000, example = 3000))]
    pub qpm: Option<u32>,
    /// Allowlist entries: addresses, CIDRs, or the seeds' `117.52.3.80~87` ranges (checked by
    /// the server: INVALID_PARAMETER otherwise, naming the entry); empty admits every address.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = json!(["117.52.3.80~87", "10.0.0.1"])))]
    pub allow_ips: Vec<String>,
    /// An `http(s)://` URL for expiry warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(format = "uri", example = "https://partner.example/hooks/intoss")
    )]
    pub webhook_url: Option<String>,
}

impl CreateApp {
    /// An app with the platform's defaults: 3,000 QPM, every address admitted, no webhook.
    pub fn named(name: impl Into<String>) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

/// `PATCH /admin/v1/apps/{name}`: absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchApp {
    /// New limit (at most 10,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 10_000_000, example = 6000))]
    pub qpm: Option<u32>,
    /// New allowlist (replaces the old one; `[]` admits every address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_ips: Option<Vec<String>>,
    /// New webhook; an empty string clears it, `null` or absent leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// `GET /admin/v1/apps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppList {
    /// Every app, by name.
    pub apps: Vec<App>,
}

// === certificates ===

/// The state of a certificate now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CertStatus {
    /// Usable.
    Active,
    /// Revoked; refused in the handshake and on open connections.
    Revoked,
    /// Past `not_after`.
    Expired,
}

impl CertStatus {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// A client certificate, as the API and the CLI show it. The private key is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Cert {
    /// Serial number, lowercase hex.
    #[cfg_attr(feature = "openapi", schema(example = "5f1c0e9a2b7d4c3e8f60a1b2c3d4e5f6"))]
    pub serial: String,
    /// The app it was issued to.
    pub app: String,
    /// Its state now.
    pub status: CertStatus,
    /// `rsa2048` or `p256` (key generated by the platform) or `csr`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::key_source))]
    pub key_source: String,
    /// Start of validity.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub not_before: String,
    /// End of validity (390 days after issue).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub not_after: String,
    /// Whole days left, rounded up (negative once expired).
    pub days_left: i64,
    /// The most urgent expiry threshold (30, 7 or 1 days) already reached, while active.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::expiry_warning))]
    pub expiry_warning: Option<i64>,
    /// Issue time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// Revocation time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub revoked_at: Option<String>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// The certificate that renewed itself into this one over mTLS; `null` when an admin issued it.
    #[serde(default)]
    pub renewed_from: Option<String>,
    /// The common name of the root that issued it (roots are told apart during a root rotation).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "intoss root CA"))]
    pub issuer: String,
}

/// `POST /admin/v1/apps/{name}/certs`: a key generated by the platform (`key_type`, default
/// `rsa2048`) or a CSR whose key stays with the partner — not both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueCert {
    /// `rsa2048` (default) or `p256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::key_type))]
    pub key_type: Option<String>,
    /// A PKCS#10 CSR in PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr: Option<String>,
}

impl IssueCert {
    /// A key generated by the platform: `rsa2048` or `p256`.
    pub fn generated(key_type: impl Into<String>) -> Self {
        Self { key_type: Some(key_type.into()), csr: None }
    }

    /// A certificate for the partner's own key.
    pub fn from_csr(pem: impl Into<String>) -> Self {
        Self { key_type: None, csr: Some(pem.into()) }
    }
}

/// A newly issued certificate, its files, and the key when the platform generated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IssuedCert {
    /// The certificate's record.
    pub certificate: Cert,
    /// `client-cert.pem`.
    pub cert_pem: String,
    /// `client-key.pem` (PKCS#8), only when the platform generated the key. Shown once; the
    /// platform does not keep it.
    pub key_pem: Option<String>,
    /// The platform CA certificate (`ca.pem`).
    pub ca_pem: String,
}

/// `GET /admin/v1/apps/{name}/renewal`: how the app's certificates may renew themselves over
/// mTLS (`POST /api-partner/v1/certificates/renew`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RenewalPolicy {
    /// Whether renewal is allowed at all (default `true`).
    pub allowed: bool,
    /// Renewable once at most this many days are left (default 135; 390 allows it at any time).
    #[cfg_attr(feature = "openapi", schema(maximum = 390, example = 135))]
    pub window_days: u32,
    /// Whether the platform may generate the new key and answer it over the connection
    /// (default `false`: a CSR is required).
    pub server_keys: bool,
    /// A renewal is refused while the app has this many active certificates (default 10).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000, example = 10))]
    pub max_active: u32,
}

/// `PATCH /admin/v1/apps/{name}/renewal`: absent fields are left as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchRenewalPolicy {
    /// Allow or forbid renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<bool>,
    /// 0–390.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(maximum = 390))]
    pub window_days: Option<u32>,
    /// Allow platform-generated keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_keys: Option<bool>,
    /// 1–1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub max_active: Option<u32>,
}

/// `GET /admin/v1/certs`, `GET /admin/v1/apps/{name}/certs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CertList {
    /// Newest first.
    pub certs: Vec<Cert>,
}

/// The query of `GET /admin/v1/certs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CertQuery {
    /// Only the certificates of this app.
    pub app: Option<String>,
}

/// `POST /admin/v1/certs/{serial}/revoke` (the body may also be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RevokeCert {
    /// Up to 200 characters; `unspecified` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200, example = "key leaked"))]
    pub reason: Option<String>,
}

// === expiry notices and the overview ===

/// An expiry warning that was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExpiryNotice {
    /// The certificate.
    pub serial: String,
    /// Its app.
    pub app: String,
    /// 30, 7 or 1.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::threshold_days))]
    pub threshold_days: i64,
    /// When it was sent.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub sent_at: String,
    /// The certificate's end of validity.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub not_after: String,
}

/// `GET /admin/v1/expiry-notices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NoticeList {
    /// Newest first.
    pub notices: Vec<ExpiryNotice>,
}

/// One app's gateway traffic over the last hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppTraffic {
    /// The app.
    pub app: String,
    /// Admitted requests per minute, 60 values, oldest minute first.
    pub requests: Vec<u64>,
    /// Requests refused by the rate limit per minute, 60 values, oldest first.
    pub limited: Vec<u64>,
}

/// `GET /admin/v1/stats`: the console's overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Stats {
    /// Per app, by name.
    pub apps: Vec<AppTraffic>,
    /// Active certificates that reached an expiry threshold.
    pub expiring: Vec<Cert>,
}

// === identity verification: clients ===

/// The environment of an identity-verification client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IdvEnv {
    /// `test_` credentials, one-year tokens, the seed's fixed virtual person.
    #[default]
    Test,
    /// Live credentials: the simulator chooses the person.
    Live,
}

impl IdvEnv {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Live => "live",
        }
    }
}

/// `POST /admin/v1/idv/clients`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateIdvClient {
    /// The app the client belongs to.
    pub app: String,
    /// `test` (default) or `live`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<IdvEnv>,
}

/// A new client: the secret is in here once and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct NewIdvClient {
    /// `client_id` (with `test_` in the test environment).
    pub client_id: String,
    /// `client_secret`: stored only as a keyed hash.
    pub client_secret: String,
    /// The app.
    pub app: String,
    /// Its environment.
    pub env: IdvEnv,
}

/// A client, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdvClient {
    /// `client_id`.
    pub client_id: String,
    /// The app.
    pub app: String,
    /// Its environment.
    pub env: IdvEnv,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// `GET /admin/v1/idv/clients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdvClientList {
    /// Clients that are not deleted.
    pub clients: Vec<IdvClient>,
}

/// The query of `GET /admin/v1/idv/clients`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AppQuery {
    /// Only the clients of this app.
    pub app: Option<String>,
}

/// `DELETE /admin/v1/idv/clients/{client_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeletedIdvClient {
    /// The client.
    pub client_id: String,
    /// Always `true`.
    pub deleted: bool,
}

// === identity verification: transactions and the user simulator ===

/// The person a USER_PERSONAL request named (decrypted), as the simulator shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RequestedPerson {
    /// Name.
    pub name: String,
    /// Digits only.
    pub phone: String,
    /// `YYYYMMDD`.
    pub birthday: String,
}

/// A verification transaction as the console and the simulator show it (never the result's
/// personal data). Times are KST (`+09:00`), as the service prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdvTransaction {
    /// `txId`.
    pub tx_id: String,
    /// The client that requested it.
    pub client_id: String,
    /// The client's app, while the client exists.
    pub app: Option<String>,
    /// `USER_PERSONAL` or `USER_NONE`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::request_type))]
    pub request_type: String,
    /// `APP_SCHEME` or `PUSH` (USER_PERSONAL).
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::trigger_type))]
    pub trigger_type: Option<String>,
    /// `requestUrl` of the request.
    pub request_url: String,
    /// `REQUESTED`, `IN_PROGRESS`, `COMPLETED` or `EXPIRED`.
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::tx_status))]
    pub status: String,
    /// When it was requested.
    pub requested_at: String,
    /// When an uncompleted request expires.
    pub expires_at: String,
    /// When the user completed it.
    pub completed_at: Option<String>,
    /// Successful result calls so far (at most 2).
    pub result_count: i64,
    /// The person a USER_PERSONAL request named.
    pub requested_person: Option<RequestedPerson>,
}

/// `GET /admin/v1/idv/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdvTransactionList {
    /// Newest first.
    pub transactions: Vec<IdvTransaction>,
}

/// The query of `GET /admin/v1/idv/transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct TxQuery {
    /// Only the transactions of this client.
    pub client_id: Option<String>,
    /// How many (default 50); values outside 1–500 are clamped to that range.
    pub limit: Option<i64>,
}

/// `POST /admin/v1/idv/transactions/{tx_id}/complete`: who authenticated. Test clients always
/// get the seed's virtual person; for live ones, absent fields come from the request or from
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompleteTx {
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `YYYYMMDD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{8}$", example = "19900101"))]
    pub birthday: Option<String>,
    /// `MALE` or `FEMALE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::gender))]
    pub gender: Option<String>,
    /// `LOCAL` or `FOREIGNER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(schema_with = closed_sets::nationality))]
    pub nationality: Option<String>,
    /// Digits only, 10 or 11 of them, starting with `01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^01[0-9]{8,9}$", example = "01012345678"))]
    pub phone: Option<String>,
}

/// The closed sets of this module's string and number fields, for `schema_with`.
#[cfg(feature = "openapi")]
mod closed_sets {
    use utoipa::openapi::schema::Schema;

    use super::closed::{integers, strings};

    pub(super) fn key_source() -> Schema {
        strings(
            "`rsa2048` or `p256` (key generated by the platform) or `csr`.",
            &["rsa2048", "p256", "csr"],
            false,
        )
    }

    pub(super) fn key_type() -> Schema {
        strings("`rsa2048` (default) or `p256`.", &["rsa2048", "p256"], true)
    }

    pub(super) fn expiry_warning() -> Schema {
        integers(
            "The most urgent expiry threshold (30, 7 or 1 days) already reached, while active.",
            &[30, 7, 1],
            true,
        )
    }

    pub(super) fn threshold_days() -> Schema {
        integers("30, 7 or 1.", &[30, 7, 1], false)
    }

    pub(super) fn request_type() -> Schema {
        strings("`USER_PERSONAL` or `USER_NONE`.", &["USER_PERSONAL", "USER_NONE"], false)
    }

    pub(super) fn trigger_type() -> Schema {
        strings("`APP_SCHEME` or `PUSH` (USER_PERSONAL).", &["APP_SCHEME", "PUSH"], true)
    }

    pub(super) fn tx_status() -> Schema {
        strings(
            "`REQUESTED`, `IN_PROGRESS`, `COMPLETED` or `EXPIRED`.",
            &["REQUESTED", "IN_PROGRESS", "COMPLETED", "EXPIRED"],
            false,
        )
    }

    pub(super) fn gender() -> Schema {
        strings("`MALE` or `FEMALE`.", &["MALE", "FEMALE"], true)
    }

    pub(super) fn nationality() -> Schema {
        strings("`LOCAL` or `FOREIGNER`.", &["LOCAL", "FOREIGNER"], true)
    }
}
