//! Sandbox controls on the admin API: fault injection on the gateway.

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

/// One gateway request as the journal keeps it: no body, no header, no query string, so no
/// personal field (userKey, names, tokens) can be in it.
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
