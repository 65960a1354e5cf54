//! Records as the store keeps them.

use serde::Serialize;

/// A partner mini-app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct App {
    /// Unique name; also the common name of its certificates.
    pub name: String,
    /// Requests per minute admitted (default 3,000).
    pub qpm: u32,
    /// Source-IP allowlist entries; empty admits every address.
    pub allow_ips: Vec<String>,
    /// Where expiry warnings are POSTed, if set.
    pub webhook_url: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// What it takes to create an app.
#[derive(Debug, Clone)]
pub struct NewApp {
    /// Unique name.
    pub name: String,
    /// Requests per minute.
    pub qpm: u32,
    /// Allowlist entries, already validated.
    pub allow_ips: Vec<String>,
    /// Notification webhook.
    pub webhook_url: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// A partial update of an app; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppPatch {
    /// New limit.
    pub qpm: Option<u32>,
    /// New allowlist (replaces the old one).
    pub allow_ips: Option<Vec<String>>,
    /// New webhook (`Some(None)` clears it).
    pub webhook_url: Option<Option<String>>,
}

/// An issued client certificate. The private key is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRecord {
    /// Serial, lowercase hex.
    pub serial: String,
    /// The app it was issued to.
    pub app_name: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// `rsa2048`, `p256` or `csr`.
    pub key_source: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// Issue time, Unix seconds.
    pub created_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    pub revoke_reason: Option<String>,
    /// The certificate presented to renew this one over mTLS; `None` when issued by an admin.
    pub renewed_from: Option<String>,
}

/// An app's rules for renewing its certificates over mTLS (`POST /api-partner/v1/certificates/renew`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RenewalPolicy {
    /// Whether its certificates may renew themselves at all.
    pub allowed: bool,
    /// A certificate may be renewed once at most this many days are left (390: at any time).
    pub window_days: u32,
    /// Whether the platform may generate the new key (answered once over the mTLS connection);
    /// otherwise a CSR is required.
    pub server_keys: bool,
    /// A renewal is refused while the app has this many active certificates.
    pub max_active: u32,
}

impl Default for RenewalPolicy {
    /// Allowed from 135 days before expiry (so renewing at 2/3 of 390 days, with jitter, is
    /// in), a CSR required, at most 10 active certificates.
    fn default() -> Self {
        Self { allowed: true, window_days: 135, server_keys: false, max_active: 10 }
    }
}

/// A fault injected into the gateway's answers for one app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRecord {
    /// `flt_…`.
    pub id: String,
    /// Its app.
    pub app_name: String,
    /// Requests whose path starts with this are candidates.
    pub path_prefix: String,
    /// The share of candidates hit, in (0, 1].
    pub probability: f64,
    /// What a hit does, as JSON (`intoss_proto::api::sandbox::FaultAction`).
    pub action: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

/// What [`crate::Store::insert_renewed_cert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewOutcome {
    /// The new certificate is recorded.
    Inserted,
    /// The presented certificate was revoked, expired or removed in the meantime.
    SourceUnusable,
    /// The app already has this many active certificates (at least the maximum).
    TooMany(u32),
}

/// The state of a certificate at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CertStatus {
    /// Usable.
    Active,
    /// Revoked; refused in the handshake.
    Revoked,
    /// Past `not_after`; refused in the handshake.
    Expired,
}

impl CertRecord {
    /// The status at `now` (Unix seconds). Revocation wins over expiry.
    pub fn status(&self, now: i64) -> CertStatus {
        if self.revoked_at.is_some() {
            CertStatus::Revoked
        } else if now >= self.not_after {
            CertStatus::Expired
        } else {
            CertStatus::Active
        }
    }
}

/// A sent expiry warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiryNotice {
    /// The certificate.
    pub serial: String,
    /// Its app.
    pub app_name: String,
    /// 30, 7 or 1.
    pub threshold_days: i64,
    /// When the warning was sent, Unix seconds.
    pub sent_at: i64,
    /// The certificate's `not_after`, Unix seconds.
    pub not_after: i64,
}
