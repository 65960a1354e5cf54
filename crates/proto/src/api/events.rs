//! Events and webhooks (the admin side, snake_case): each app's endpoints and their secrets, the
//! events with every delivery and attempt, replay, sample events, and `intoss listen`'s pull.
//! The bodies delivered to endpoints are in [`crate::webhook`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /admin/v1/apps/{name}/webhook-endpoints`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateEndpoint {
    /// `https://` (or `http://`) URL events are posted to.
    #[cfg_attr(feature = "openapi", schema(example = "https://partner.example.com/hooks/toss"))]
    pub url: String,
    /// `STANDARD` (Standard Webhooks 1.0, the default) or `TOSS` (Toss-compatible).
    #[serde(default)]
    pub format: Option<String>,
    /// The event types wanted (`PAYMENT_STATUS_CHANGED`, …); absent or empty for all.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// May target loopback, private and link-local addresses (refused otherwise).
    #[serde(default)]
    pub local: Option<bool>,
    /// One delivery at a time, oldest event first.
    #[serde(default)]
    pub ordered: Option<bool>,
}

/// `PATCH /admin/v1/webhook-endpoints/{id}`: any of the fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchEndpoint {
    /// A new URL.
    #[serde(default)]
    pub url: Option<String>,
    /// New event types (empty for all).
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// Turn deliveries on or off (on again after a 410 clears its reason).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Allow private targets.
    #[serde(default)]
    pub local: Option<bool>,
    /// Ordered deliveries.
    #[serde(default)]
    pub ordered: Option<bool>,
}

/// An endpoint (its secrets are shown only when made: on creation and rotation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Endpoint {
    /// `we_…`.
    pub id: String,
    /// Its app.
    pub app: String,
    /// `PUSH` (posted by the platform) or `LISTEN` (pulled by `intoss listen`).
    pub kind: String,
    /// Where events go.
    pub url: String,
    /// `STANDARD` or `TOSS`.
    pub format: String,
    /// Wanted types; empty for all.
    pub event_types: Vec<String>,
    /// Receiving deliveries.
    pub enabled: bool,
    /// Private targets allowed.
    pub local: bool,
    /// Ordered deliveries.
    pub ordered: bool,
    /// Secrets signing each delivery (2 during a rotation).
    pub secret_count: usize,
    /// Why the platform disabled it (a 410), if it did.
    pub disabled_reason: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// An endpoint and a secret just made (creation, rotation, `intoss listen`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EndpointSecret {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// `whsec_…`: shown once (store it where the receiver reads it).
    pub secret: String,
}

/// Endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EndpointList {
    /// Oldest first.
    pub endpoints: Vec<Endpoint>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Attempt {
    /// 1, 2, …
    pub n: i64,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339; absent: interrupted (the worker stopped before an answer).
    pub finished_at: Option<String>,
    /// The HTTP status answered.
    pub status: Option<i64>,
    /// Milliseconds to the answer's head.
    pub latency_ms: Option<i64>,
    /// The answer's status line and headers.
    pub response_head: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
}

/// One event's delivery to one endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Delivery {
    /// `{event}:{endpoint}`.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// RFC 3339, when `PENDING`.
    pub next_attempt_at: Option<String>,
    /// RFC 3339: the schedule ran out.
    pub final_notice_at: Option<String>,
    /// Every attempt, in order.
    pub log: Vec<Attempt>,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Event {
    /// `evt_…`: the `webhook-id` of its deliveries.
    pub id: String,
    /// Its app.
    pub app: String,
    /// `PAYMENT_STATUS_CHANGED`, …
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339.
    pub created_at: String,
    /// The event's data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    /// Its deliveries.
    pub deliveries: Vec<Delivery>,
}

/// Events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct EventList {
    /// Newest first, at most 100.
    pub events: Vec<Event>,
}

/// `POST /admin/v1/apps/{name}/events/trigger`: a sample event of a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// The event type.
    #[cfg_attr(feature = "openapi", schema(example = "PAYMENT_STATUS_CHANGED"))]
    #[serde(rename = "type")]
    pub event_type: String,
}

/// `POST /admin/v1/apps/{name}/events/replay-failed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayFailed {
    /// RFC 3339: the failed deliveries of events created at or after it.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-01T00:00:00Z"))]
    pub since: String,
}

/// How many deliveries were queued again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Replayed {
    /// Deliveries queued.
    pub replayed: u64,
}

/// `POST /admin/v1/apps/{name}/listen`: `intoss listen`'s endpoint for the app.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Listen {
    /// Where the CLI forwards events (shown in the console).
    #[serde(default)]
    pub forward_to: Option<String>,
    /// The event types wanted; absent or empty for all.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
}

/// A delivery pulled by `intoss listen`, signed and ready to forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Pulled {
    /// The delivery.
    pub delivery_id: String,
    /// This attempt's number (report it back).
    pub attempt: i64,
    /// The event.
    pub event_id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The request's headers.
    pub headers: Vec<(String, String)>,
    /// The request's body (JSON text).
    pub body: String,
}

/// Deliveries pulled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PulledList {
    /// Oldest first.
    pub deliveries: Vec<Pulled>,
}

/// `POST /admin/v1/deliveries/{id}/result`: what the forward target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PullResult {
    /// The attempt pulled.
    pub attempt: i64,
    /// The status answered, if any.
    #[serde(default)]
    pub status: Option<u16>,
    /// Why there was no answer.
    #[serde(default)]
    pub error: Option<String>,
    /// Milliseconds to the answer.
    #[serde(default)]
    pub latency_ms: Option<i64>,
}

/// The query of `GET /admin/v1/apps/{name}/events`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// At most this many, 1 to 100 (default 50).
    pub limit: Option<i64>,
}

/// The query of `POST /admin/v1/webhook-endpoints/{id}/pull`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// Seconds to wait for a delivery when none is due, 0 to 30 (default 0).
    pub wait: Option<u64>,
}

/// What a reported attempt decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Recorded {
    /// The delivery's state now: `DELIVERED`, `PENDING` (retried later) or `FAILED`.
    pub state: String,
}
