//! Sandbox controls on the admin API: faults injected into the gateway, test clocks, test
//! mode, the request journal, and export / import / reset of the sandbox state.

use serde::{Deserialize, Serialize};

/// What an injected fault does to a request it hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub enum FaultAction {
    /// HTTP 200 with a FAIL envelope carrying `error_code` (the real API answers most
    /// failures this way) and `reason`.
    Fail {
        /// The `errorCode`, e.g. `INTERNAL_ERROR` or a service's own code.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = "^[A-Za-z0-9_.]{1,64}$", example = "INTERNAL_ERROR")
        )]
        error_code: String,
        /// The `reason` (default: "injected fault").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(max_length = 200))]
        reason: Option<String>,
    },
    /// HTTP 200 with `resultType` `HTTP_TIMEOUT`, `NETWORK_ERROR` or `INTERRUPTED` (the API
    /// reference's transport outcomes) and no `success`.
    ResultType {
        /// `HTTP_TIMEOUT`, `NETWORK_ERROR` or `INTERRUPTED`.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = "^(HTTP_TIMEOUT|NETWORK_ERROR|INTERRUPTED)$", example = "HTTP_TIMEOUT")
        )]
        result_type: String,
    },
    /// The request is served normally after a delay: `ms`, or with `sigma` a lognormal delay
    /// of median `ms` (the shape of real latency: mostly near the median, a long tail).
    Latency {
        /// Milliseconds (the median with `sigma`), at most 60,000.
        #[cfg_attr(feature = "openapi", schema(maximum = 60000, example = 300))]
        ms: u64,
        /// Lognormal spread (0 < sigma ≤ 3); absent: a fixed delay.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 3))]
        sigma: Option<f64>,
    },
    /// The connection is closed without an answer (clients see a reset or an empty reply).
    Reset,
    /// HTTP 400 `{"error":"invalid_grant"}`, as Toss Login answers a spent code or token.
    InvalidGrant,
    /// HTTP 429 `TOO_MANY_REQUESTS` with `Retry-After`.
    RateLimit {
        /// Seconds for `Retry-After` (1 to 3,600).
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3600, example = 5))]
        retry_after_secs: u64,
    },
}

/// `POST /admin/v1/apps/{name}/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewFault {
    /// Requests whose path starts with this (`/api-partner/` …) are candidates.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^/", max_length = 200, example = "/api-partner/v1/apps-in-toss/pay/")
    )]
    pub path_prefix: String,
    /// The share of candidates hit, in (0, 1].
    #[cfg_attr(feature = "openapi", schema(exclusive_minimum = 0, maximum = 1, example = 0.5))]
    pub probability: f64,
    /// What a hit does.
    pub action: FaultAction,
}

/// An injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fault {
    /// `flt_…`.
    pub id: String,
    /// Its app.
    pub app: String,
    /// Path prefix.
    pub path_prefix: String,
    /// Probability.
    pub probability: f64,
    /// What a hit does.
    pub action: FaultAction,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /admin/v1/apps/{name}/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaultList {
    /// Oldest first: the order they are tried in.
    pub faults: Vec<Fault>,
}

/// `DELETE /admin/v1/apps/{name}/faults[/{id}]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaultsRemoved {
    /// How many faults were removed.
    pub removed: u64,
}

/// One gateway request as the journal keeps it: no header and no query string, and a body only
/// for a test-mode app, with its personal fields masked; so no personal field (userKey, names,
/// tokens) is in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestRecord {
    /// Increasing per node; `?after=` this for the next ones.
    pub seq: u64,
    /// When it was answered (RFC 3339).
    pub at: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without its query string.
    pub path: String,
    /// HTTP status.
    pub status: u16,
    /// The FAIL envelope's `errorCode`, when the gateway or a service made one.
    pub error_code: Option<String>,
    /// The client certificate's serial.
    pub cert_serial: String,
    /// Requests left in the app's window after it.
    pub remaining: u32,
    /// Time to the response's head, milliseconds.
    pub latency_ms: f64,
    /// Test-mode apps only: the request's body, every string and number masked (`***`) but
    /// protocol fields (`resultType`, `errorCode`, `status`, `orderNo`, `amount`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<serde_json::Value>,
    /// Test-mode apps only: the answer's body, masked the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<serde_json::Value>,
}

/// `GET /admin/v1/apps/{name}/requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestLog {
    /// Oldest first, after `after`.
    pub requests: Vec<RequestRecord>,
    /// The `seq` to ask `after` next (the last one returned, or `after` itself).
    pub next: u64,
}

/// The query of `GET /admin/v1/apps/{name}/requests`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Only requests with a larger `seq` (0 or more).
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after: Option<i64>,
    /// At most this many, 1 to 200 (default 200: the journal's size per app).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

/// The longest one clock advance may be: ten years.
pub const MAX_ADVANCE_SECS: u64 = 3650 * 86_400;

/// Seconds in a duration written `8d`, `36h`, `90m`, `45s`, `1d12h` or a bare number of
/// seconds: what `intoss clock advance` and its admin API take. At least one second, at most
/// [`MAX_ADVANCE_SECS`].
pub fn parse_duration_secs(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad = || format!("{s:?}: a duration like 8d, 36h, 90m, 45s or 1d12h");
    if s.is_empty() {
        return Err(bad());
    }
    let (mut total, mut digits) = (0u64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() {
        let n: u64 = digits.parse().map_err(|_| bad())?;
        total = total.checked_add(n).ok_or_else(bad)?;
    }
    if total == 0 || total > MAX_ADVANCE_SECS {
        return Err(format!("{s:?}: from 1 second to 3650 days"));
    }
    Ok(total)
}

/// `POST /admin/v1/apps/{name}/clock/advance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdvanceClock {
    /// How far: `8d`, `36h`, `90m`, `45s`, `1d12h` or seconds; 1 s to 3,650 days.
    #[cfg_attr(feature = "openapi", schema(pattern = "^([0-9]+[dhms]?)+$", max_length = 32, example = "8d"))]
    pub by: String,
}

/// An app's sandbox settings (`GET|PATCH /admin/v1/apps/{name}/sandbox`) and the answer of
/// the clock calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppSandbox {
    /// The app.
    pub app: String,
    /// May send `X-Intoss-Fault`; the journal keeps its bodies, personal fields masked.
    pub test_mode: bool,
    /// Seconds the app's clock is ahead of wall-clock time.
    pub clock_offset_secs: i64,
    /// The app's time now (RFC 3339): what its codes, tokens, payments, promotion keys and
    /// identity verifications expire by.
    pub now: String,
}

/// `PATCH /admin/v1/apps/{name}/sandbox`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchAppSandbox {
    /// Turn test mode on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mode: Option<bool>,
}

/// The format name of a [`SandboxState`].
pub const STATE_FORMAT: &str = "intoss-sandbox";
/// The version of [`SandboxState`] this build writes and reads.
pub const STATE_VERSION: u32 = 1;

/// A sandbox state: `GET /admin/v1/sandbox/export`, `POST /admin/v1/sandbox/import`,
/// `intoss sandbox export|import`. Table rows, parents first; never a private key, a
/// certificate or a secret (identity verification clients and webhook endpoints are not in it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SandboxState {
    /// `intoss-sandbox`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^intoss-sandbox$"))]
    pub format: String,
    /// 1.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1))]
    pub version: u32,
    /// When it was exported (RFC 3339).
    pub exported_at: String,
    /// The apps in it.
    pub apps: Vec<String>,
    /// The rows, table by table.
    pub tables: Vec<StateTable>,
}

/// One table of a [`SandboxState`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StateTable {
    /// The table (`apps`, `sandbox_users`, `payments`, …).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z_]{1,63}$"))]
    pub name: String,
    /// Its columns; each row has one value per column.
    pub columns: Vec<StateColumn>,
    /// Its rows.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// A column of a [`StateTable`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StateColumn {
    /// Its name.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z_][a-z0-9_]{0,62}$"))]
    pub name: String,
    /// `bool`, `int`, `real` or `text`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(bool|int|real|text)$"))]
    pub kind: String,
}

/// The query of `GET /admin/v1/sandbox/export`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// Only this app (and the shared sandbox users); absent: every app.
    pub app: Option<String>,
}

/// `POST /admin/v1/sandbox/import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Imported {
    /// The apps created.
    pub apps: Vec<String>,
    /// Rows written.
    pub rows: u64,
}

/// `POST /admin/v1/apps/{name}/reset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetDone {
    /// The app.
    pub app: String,
    /// Rows removed.
    pub removed: u64,
    /// Seed entries of this app written again (`[sandbox] seed`).
    pub reseeded: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration_secs("8d"), Ok(8 * 86_400));
        assert_eq!(parse_duration_secs("1d12h"), Ok(36 * 3_600));
        assert_eq!(parse_duration_secs("90m"), Ok(5_400));
        assert_eq!(parse_duration_secs("3600"), Ok(3_600));
        assert_eq!(parse_duration_secs(" 45s "), Ok(45));
        for bad in ["", "0", "0d", "d", "8x", "-1d", "1.5d", "3651d", "99999999999999999999d"] {
            assert!(parse_duration_secs(bad).is_err(), "{bad}");
        }
    }
}
