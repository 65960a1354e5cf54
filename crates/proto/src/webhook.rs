//! Signed event deliveries: the event types, the two body formats, and their signatures.
//!
//! The platform delivers each event to an endpoint in one of two formats ([`Format`]):
//!
//! - **Standard Webhooks 1.0** (<https://www.standardwebhooks.com/>): body
//!   `{"type":…,"timestamp":…,"data":{…}}`, headers `webhook-id` (the event's id, the same on
//!   every retry), `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`:
//!   `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per secret, space-separated, so a
//!   receiver accepts during a secret rotation whichever of its secrets it knows. Secrets are
//!   `whsec_` + base64 of 32 random bytes; the key is the decoded bytes.
//! - **Toss-compatible**: the Toss Payments webhook body `{"eventType":…,"createdAt":…,"data":{…}}`
//!   (`createdAt` Korea time without a zone, milliseconds), its retry schedule, and the headers
//!   `tosspayments-webhook-transmission-time` / `-transmission-id` / `-transmission-retried-count`
//!   and `tosspayments-webhook-signature: v1:<base64 HMAC-SHA256 of "{body}:{transmission-time}">`
//!   (the form Toss documents for its payout events; UNVERIFIED for the others, which Toss sends
//!   unsigned — a receiver may ignore it).
//!
//! [`verify`] is the receiver's side of Standard Webhooks (the SDK and `intoss webhook verify`).

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a `webhook-timestamp` may be from the receiver's clock (the spec's 5 minutes).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Header names of Standard Webhooks.
pub mod header {
    /// The event's id, the same on every attempt.
    pub const ID: &str = "webhook-id";
    /// Unix seconds of the attempt.
    pub const TIMESTAMP: &str = "webhook-timestamp";
    /// `v1,<base64>` signatures, space-separated.
    pub const SIGNATURE: &str = "webhook-signature";
    /// Toss-compatible: the attempt's time (RFC 3339).
    pub const TOSS_TIME: &str = "tosspayments-webhook-transmission-time";
    /// Toss-compatible: the event's id.
    pub const TOSS_ID: &str = "tosspayments-webhook-transmission-id";
    /// Toss-compatible: attempts before this one.
    pub const TOSS_RETRIED: &str = "tosspayments-webhook-transmission-retried-count";
    /// Toss-compatible: `v1:<base64>`.
    pub const TOSS_SIGNATURE: &str = "tosspayments-webhook-signature";
}

/// What happened. The names follow Toss's webhook events (`PAYMENT_STATUS_CHANGED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// A client certificate is within 30, 7 or 1 days of its expiry.
    CertificateExpiring,
    /// A client certificate was issued.
    CertificateIssued,
    /// A client certificate was revoked.
    CertificateRevoked,
    /// A user unlinked the app (Toss Login).
    LoginUnlinked,
    /// A Toss Pay payment changed status (approved, canceled, paid, refunded).
    PaymentStatusChanged,
    /// An in-app purchase order changed status.
    OrderStatusChanged,
    /// A promotion grant was executed or failed.
    PromotionResult,
    /// An identity verification completed.
    IdentityVerificationCompleted,
}

impl EventType {
    /// Every type, in documentation order.
    pub const ALL: [EventType; 8] = [
        Self::CertificateExpiring,
        Self::CertificateIssued,
        Self::CertificateRevoked,
        Self::LoginUnlinked,
        Self::PaymentStatusChanged,
        Self::OrderStatusChanged,
        Self::PromotionResult,
        Self::IdentityVerificationCompleted,
    ];

    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CertificateExpiring => "CERTIFICATE_EXPIRING",
            Self::CertificateIssued => "CERTIFICATE_ISSUED",
            Self::CertificateRevoked => "CERTIFICATE_REVOKED",
            Self::LoginUnlinked => "LOGIN_UNLINKED",
            Self::PaymentStatusChanged => "PAYMENT_STATUS_CHANGED",
            Self::OrderStatusChanged => "ORDER_STATUS_CHANGED",
            Self::PromotionResult => "PROMOTION_RESULT",
            Self::IdentityVerificationCompleted => "IDENTITY_VERIFICATION_COMPLETED",
        }
    }

    /// The type of a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an endpoint receives events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Standard Webhooks 1.0.
    Standard,
    /// The Toss Payments webhook body, headers and retry schedule.
    Toss,
}

impl Format {
    /// The wire name (`STANDARD`, `TOSS`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Toss => "TOSS",
        }
    }

    /// The format of a wire name (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "STANDARD" => Some(Self::Standard),
            "TOSS" => Some(Self::Toss),
            _ => None,
        }
    }

    /// Seconds to wait after failed attempt number `failed` (1-based) before the next one, or
    /// `None` when that was the last. Standard: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the
    /// schedule Svix publishes for Standard Webhooks); Toss: 1, 4, 16, 64, 256, 1024, 4096 minutes
    /// (Toss Payments' documented schedule). Both: eight attempts in all.
    pub fn retry_delay(self, failed: u32) -> Option<i64> {
        const STANDARD: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
        const TOSS: [i64; 7] = [60, 240, 960, 3_840, 15_360, 61_440, 245_760];
        let table = match self {
            Self::Standard => &STANDARD,
            Self::Toss => &TOSS,
        };
        let i = usize::try_from(failed).ok()?.checked_sub(1)?;
        table.get(i).copied()
    }
}

/// Why a signature could not be made or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret is not `whsec_` + base64.
    #[error("the secret is not whsec_ followed by base64")]
    BadSecret,
    /// A required header is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not Unix seconds.
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    /// `webhook-timestamp` is too far from now (a replay, or a wrong clock).
    #[error("webhook-timestamp is {0} s away from now (more than the tolerance)")]
    Stale(i64),
    /// No signature matches any of the secrets.
    #[error("no signature matches")]
    NoMatch,
    /// No randomness for a new secret.
    #[error("no randomness available")]
    Random,
}

/// A new random secret (`whsec_` + base64 of 32 bytes).
pub fn generate_secret() -> Result<String, WebhookError> {
    let mut key = [0u8; 32];
    aws_lc_rs::rand::fill(&mut key).map_err(|_| WebhookError::Random)?;
    Ok(format!("{SECRET_PREFIX}{}", BASE64.encode(key)))
}

fn key_of(secret: &str) -> Result<hmac::Key, WebhookError> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let bytes = BASE64.decode(b64).map_err(|_| WebhookError::BadSecret)?;
    if bytes.is_empty() {
        return Err(WebhookError::BadSecret);
    }
    Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
}

fn standard_content(id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(id.len() + body.len() + 24);
    content.extend_from_slice(id.as_bytes());
    content.push(b'.');
    content.extend_from_slice(timestamp.to_string().as_bytes());
    content.push(b'.');
    content.extend_from_slice(body);
    content
}

/// The `webhook-signature` value for `secrets` (one `v1,` signature each, space-separated).
pub fn sign(secrets: &[String], id: &str, timestamp: i64, body: &[u8]) -> Result<String, WebhookError> {
    let content = standard_content(id, timestamp, body);
    let mut out = String::new();
    for secret in secrets {
        let tag = hmac::sign(&key_of(secret)?, &content);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str("v1,");
        out.push_str(&BASE64.encode(tag.as_ref()));
    }
    Ok(out)
}

/// The Toss-compatible `tosspayments-webhook-signature` value: `v1:<base64>` per secret,
/// comma-separated, of `{body}:{transmission_time}`.
pub fn sign_toss(secrets: &[String], body: &[u8], transmission_time: &str) -> Result<String, WebhookError> {
    let mut content = body.to_vec();
    content.push(b':');
    content.extend_from_slice(transmission_time.as_bytes());
    let mut parts = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let tag = hmac::sign(&key_of(secret)?, &content);
        parts.push(format!("v1:{}", BASE64.encode(tag.as_ref())));
    }
    Ok(parts.join(","))
}

/// Checks a Standard Webhooks delivery: `timestamp` within `tolerance` seconds of `now`, and one
/// of the `v1,` signatures in `signature` made by one of `secrets` over `id.timestamp.body`
/// (compared in constant time).
pub fn verify(
    secrets: &[&str],
    id: &str,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> Result<(), WebhookError> {
    let ts: i64 = timestamp.trim().parse().map_err(|_| WebhookError::BadTimestamp)?;
    let skew = now.saturating_sub(ts);
    if skew.abs() > tolerance {
        return Err(WebhookError::Stale(skew));
    }
    let content = standard_content(id, ts, body);
    let given: Vec<Vec<u8>> = signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b| BASE64.decode(b).ok())
        .collect();
    for secret in secrets {
        let key = key_of(secret)?;
        if given.iter().any(|tag| hmac::verify(&key, &content, tag).is_ok()) {
            return Ok(());
        }
    }
    Err(WebhookError::NoMatch)
}

/// The Standard Webhooks body of an event.
pub fn standard_body(event_type: &str, id: &str, created_at: i64, data: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": event_type,
        "id": id,
        "timestamp": crate::times::rfc3339(created_at),
        "data": data,
    }))
    .unwrap_or_default()
}

/// The Toss-compatible body of an event.
pub fn toss_body(event_type: &str, created_at: i64, data: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "eventType": event_type,
        "createdAt": crate::times::kst_millis(created_at),
        "data": data,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification (its reference libraries' test).
    #[test]
    fn matches_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned();
        let body = br#"{"test": 2432232314}"#;
        let sig =
            sign(std::slice::from_ref(&secret), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        verify(&[&secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", &sig, body, 1614265330, 300)
            .unwrap();
    }

    #[test]
    fn rotation_tampering_and_staleness() {
        let old = generate_secret().unwrap();
        let new = generate_secret().unwrap();
        assert!(old.starts_with(SECRET_PREFIX) && old != new);
        let sig = sign(&[new.clone(), old.clone()], "evt_1", 1000, b"{}").unwrap();
        assert_eq!(sig.split(' ').count(), 2);
        // A receiver knowing either secret accepts.
        verify(&[&old], "evt_1", "1000", &sig, b"{}", 1000, 300).unwrap();
        verify(&[&new], "evt_1", "1000", &sig, b"{}", 1000, 300).unwrap();
        let other = generate_secret().unwrap();
        assert_eq!(verify(&[&other], "evt_1", "1000", &sig, b"{}", 1000, 300), Err(WebhookError::NoMatch));
        assert_eq!(verify(&[&old], "evt_1", "1000", &sig, b"{ }", 1000, 300), Err(WebhookError::NoMatch));
        assert_eq!(verify(&[&old], "evt_2", "1000", &sig, b"{}", 1000, 300), Err(WebhookError::NoMatch));
        assert_eq!(verify(&[&old], "evt_1", "1000", &sig, b"{}", 1301, 300), Err(WebhookError::Stale(301)));
        assert_eq!(verify(&[&old], "evt_1", "x", &sig, b"{}", 1000, 300), Err(WebhookError::BadTimestamp));
        assert_eq!(
            verify(&["whsec_%%"], "evt_1", "1000", &sig, b"{}", 1000, 300),
            Err(WebhookError::BadSecret)
        );
    }

    #[test]
    fn schedules() {
        let toss: Vec<_> = (1..=8).map(|n| Format::Toss.retry_delay(n)).collect();
        assert_eq!(
            toss,
            [60, 240, 960, 3840, 15360, 61440, 245760]
                .map(Some)
                .into_iter()
                .chain([None])
                .collect::<Vec<_>>()
        );
        assert_eq!(Format::Standard.retry_delay(1), Some(5));
        assert_eq!(Format::Standard.retry_delay(8), None);
        assert_eq!(Format::Standard.retry_delay(0), None);
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
    }
}
