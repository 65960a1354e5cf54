//! The admin side of events, without HTTP: endpoints and their secrets, the event log with every
//! delivery and attempt, replay, sample events (`intoss trigger`), and `intoss listen`'s pull.

use std::sync::Arc;

use intoss_proto::api::events as api;
use intoss_proto::times::rfc3339;
use intoss_proto::webhook::{self, EventType, Format};
use intoss_store::{AttemptRecord, Claimed, EndpointRecord, EventRecord, NewEvent, Store, StoreError};
use serde_json::json;

use crate::{Answer, LEASE_SECS, decide, guard, render};

/// Why an admin operation on events failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    /// A parameter is malformed (`INVALID_PARAMETER`); `field` names it.
    #[error("{reason}")]
    Invalid {
        /// The field at fault.
        field: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// No such app, endpoint, event or delivery (`NOT_FOUND`).
    #[error("{0}")]
    NotFound(String),
    /// The state does not allow it (`INVALID_STATE`).
    #[error("{0}")]
    InvalidState(String),
    /// The store failed (`SERVICE_UNAVAILABLE`).
    #[error("the event store is unavailable")]
    Unavailable,
}

impl From<StoreError> for EventsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            other => {
                tracing::error!(error = %other, "events: store error");
                Self::Unavailable
            }
        }
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> EventsError {
    EventsError::Invalid { field: Some(field.to_owned()), reason: reason.into() }
}

/// Events pulled per `pull`.
const PULL_BATCH: i64 = 32;

/// The admin side of events.
#[derive(Clone)]
pub struct EventAdmin {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for EventAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventAdmin")
    }
}

fn parse_types(types: Option<Vec<String>>) -> Result<Vec<String>, EventsError> {
    let mut out = Vec::new();
    for t in types.unwrap_or_default() {
        match EventType::parse(&t) {
            Some(t) if !out.iter().any(|o| o == t.as_str()) => out.push(t.as_str().to_owned()),
            Some(_) => {}
            None => {
                let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
                return Err(invalid(
                    "event_types",
                    format!("event_types: unknown type `{t}` (one of {})", known.join(", ")),
                ));
            }
        }
    }
    Ok(out)
}

/// The API form of an endpoint.
pub fn endpoint_view(e: &EndpointRecord) -> api::Endpoint {
    api::Endpoint {
        id: e.id.clone(),
        app: e.app_name.clone(),
        kind: e.kind.clone(),
        url: e.url.clone(),
        format: e.format.clone(),
        event_types: e.event_types.clone(),
        enabled: e.enabled,
        local: e.allow_local,
        ordered: e.ordered,
        secret_count: e.secrets.len(),
        disabled_reason: e.disabled_reason.clone(),
        created_at: rfc3339(e.created_at),
    }
}

fn attempt_view(a: &AttemptRecord) -> api::Attempt {
    api::Attempt {
        n: a.n,
        started_at: rfc3339(a.started_at),
        finished_at: a.finished_at.map(rfc3339),
        status: a.status,
        latency_ms: a.latency_ms,
        response_head: a.response_head.clone(),
        error: a.error.clone(),
    }
}

impl EventAdmin {
    /// Over the platform's store.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    async fn app_exists(&self, app: &str) -> Result<(), EventsError> {
        match self.store.app(app).await? {
            Some(_) => Ok(()),
            None => Err(EventsError::NotFound(format!("app `{app}` not found"))),
        }
    }

    async fn endpoint_record(&self, id: &str) -> Result<EndpointRecord, EventsError> {
        self.store
            .endpoint(id)
            .await?
            .ok_or_else(|| EventsError::NotFound(format!("endpoint `{id}` not found")))
    }

    /// A new endpoint of `app`, with its first secret.
    pub async fn create_endpoint(
        &self,
        app: &str,
        req: api::CreateEndpoint,
        now: i64,
    ) -> Result<api::EndpointSecret, EventsError> {
        self.app_exists(app).await?;
        let local = req.local.unwrap_or(false);
        guard::check_url(&req.url, local).map_err(|e| invalid("url", format!("url: {e}")))?;
        let format = match req.format.as_deref() {
            None => Format::Standard,
            Some(f) => Format::parse(f).ok_or_else(|| invalid("format", "format: STANDARD or TOSS"))?,
        };
        let secret = webhook::generate_secret().map_err(|_| EventsError::Unavailable)?;
        let record = EndpointRecord {
            id: intoss_store::random_id("we_")?,
            app_name: app.to_owned(),
            kind: "PUSH".into(),
            url: req.url,
            format: format.as_str().into(),
            event_types: parse_types(req.event_types)?,
            enabled: true,
            allow_local: local,
            ordered: req.ordered.unwrap_or(false),
            secrets: vec![secret.clone()],
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_endpoint(&record).await?;
        tracing::info!(app, endpoint = %record.id, format = %record.format, "webhook endpoint created");
        Ok(api::EndpointSecret { endpoint: endpoint_view(&record), secret })
    }

    /// Endpoints, of one app or all.
    pub async fn endpoints(&self, app: Option<&str>) -> Result<api::EndpointList, EventsError> {
        if let Some(app) = app {
            self.app_exists(app).await?;
        }
        let list = self.store.endpoints(app).await?;
        Ok(api::EndpointList { endpoints: list.iter().map(endpoint_view).collect() })
    }

    /// One endpoint.
    pub async fn endpoint(&self, id: &str) -> Result<api::Endpoint, EventsError> {
        Ok(endpoint_view(&self.endpoint_record(id).await?))
    }

    /// Changes an endpoint's settings.
    pub async fn patch_endpoint(
        &self,
        id: &str,
        p: api::PatchEndpoint,
        now: i64,
    ) -> Result<api::Endpoint, EventsError> {
        let mut e = self.endpoint_record(id).await?;
        if let Some(local) = p.local {
            e.allow_local = local;
        }
        if let Some(url) = p.url {
            e.url = url;
        }
        if e.kind == "PUSH" {
            guard::check_url(&e.url, e.allow_local).map_err(|err| invalid("url", format!("url: {err}")))?;
        }
        if let Some(types) = p.event_types {
            e.event_types = parse_types(Some(types))?;
        }
        if let Some(ordered) = p.ordered {
            e.ordered = ordered;
        }
        if let Some(enabled) = p.enabled {
            e.enabled = enabled;
            if enabled {
                e.disabled_reason = None;
            }
        }
        e.updated_at = now;
        self.store.update_endpoint(&e).await?;
        Ok(endpoint_view(&e))
    }

    /// Deletes an endpoint and its deliveries.
    pub async fn delete_endpoint(&self, id: &str) -> Result<api::Endpoint, EventsError> {
        let e = self.endpoint_record(id).await?;
        if !self.store.delete_endpoint(id).await? {
            return Err(EventsError::NotFound(format!("endpoint `{id}` not found")));
        }
        Ok(endpoint_view(&e))
    }

    /// A new secret for an endpoint: deliveries are signed with it and the newest old one until
    /// [`Self::retire`]; answers the new secret (shown once).
    pub async fn rotate(&self, id: &str, now: i64) -> Result<api::EndpointSecret, EventsError> {
        let mut e = self.endpoint_record(id).await?;
        let secret = webhook::generate_secret().map_err(|_| EventsError::Unavailable)?;
        e.secrets.truncate(1);
        e.secrets.insert(0, secret.clone());
        e.updated_at = now;
        self.store.update_endpoint(&e).await?;
        tracing::info!(endpoint = %e.id, "webhook secret rotated; the previous one still signs until retired");
        Ok(api::EndpointSecret { endpoint: endpoint_view(&e), secret })
    }

    /// Ends a rotation: only the newest secret signs.
    pub async fn retire(&self, id: &str, now: i64) -> Result<api::Endpoint, EventsError> {
        let mut e = self.endpoint_record(id).await?;
        if e.secrets.len() < 2 {
            return Err(EventsError::InvalidState(format!(
                "endpoint `{id}` has one secret: nothing to retire"
            )));
        }
        e.secrets.truncate(1);
        e.updated_at = now;
        self.store.update_endpoint(&e).await?;
        Ok(endpoint_view(&e))
    }

    async fn event_view(&self, e: &EventRecord) -> Result<api::Event, EventsError> {
        let mut deliveries = Vec::new();
        for d in self.store.deliveries(&e.id).await? {
            let log = self.store.attempts(&d.id).await?;
            deliveries.push(api::Delivery {
                next_attempt_at: (d.state == "PENDING").then(|| rfc3339(d.next_attempt_at)),
                final_notice_at: d.final_notice_at.map(rfc3339),
                log: log.iter().map(attempt_view).collect(),
                id: d.id,
                endpoint_id: d.endpoint_id,
                state: d.state,
                attempts: d.attempts,
            });
        }
        Ok(api::Event {
            id: e.id.clone(),
            app: e.app_name.clone(),
            event_type: e.event_type.clone(),
            created_at: rfc3339(e.created_at),
            data: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            deliveries,
        })
    }

    /// An app's newest events (at most 100), with their deliveries and attempts.
    pub async fn events(&self, app: &str, limit: i64) -> Result<api::EventList, EventsError> {
        self.app_exists(app).await?;
        let mut events = Vec::new();
        for e in self.store.events(app, limit.clamp(1, 100)).await? {
            events.push(self.event_view(&e).await?);
        }
        Ok(api::EventList { events })
    }

    /// One event.
    pub async fn event(&self, id: &str) -> Result<api::Event, EventsError> {
        let e = self
            .store
            .event(id)
            .await?
            .ok_or_else(|| EventsError::NotFound(format!("event `{id}` not found")))?;
        self.event_view(&e).await
    }

    /// Delivers an event again to each of its endpoints (the schedule restarts).
    pub async fn replay(&self, id: &str, now: i64) -> Result<api::Replayed, EventsError> {
        self.event(id).await?;
        Ok(api::Replayed { replayed: self.store.replay_event(id, now).await? })
    }

    /// Delivers again every failed delivery of an app's events created since `since` (RFC 3339).
    pub async fn replay_failed(
        &self,
        app: &str,
        since: &str,
        now: i64,
    ) -> Result<api::Replayed, EventsError> {
        self.app_exists(app).await?;
        let since = time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
            .map_err(|_| invalid("since", "since: an RFC 3339 time such as 2026-12-01T00:00:00Z"))?
            .unix_timestamp();
        Ok(api::Replayed { replayed: self.store.replay_failed(app, since, now).await? })
    }

    /// Emits a sample event of `event_type` for `app` (marked `"sample": true`).
    pub async fn trigger(&self, app: &str, event_type: &str, now: i64) -> Result<api::Event, EventsError> {
        self.app_exists(app).await?;
        let t = EventType::parse(event_type).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            invalid("type", format!("type: unknown event type `{event_type}` (one of {})", known.join(", ")))
        })?;
        let e = self
            .store
            .emit_event(&NewEvent {
                app_name: app.to_owned(),
                event_type: t.as_str(),
                data: sample(t),
                at: now,
            })
            .await?;
        self.event_view(&e).await
    }

    /// `intoss listen`'s endpoint of `app`: made on first use, the same (and its secret the same)
    /// afterwards, so a receiver's configured secret survives restarts of both sides.
    pub async fn listen(
        &self,
        app: &str,
        req: api::Listen,
        now: i64,
    ) -> Result<api::EndpointSecret, EventsError> {
        self.app_exists(app).await?;
        let types = parse_types(req.event_types)?;
        let url = req.forward_to.unwrap_or_default();
        let existing = self.store.endpoints(Some(app)).await?.into_iter().find(|e| e.kind == "LISTEN");
        let record = match existing {
            Some(mut e) => {
                e.url = url;
                e.event_types = types;
                e.enabled = true;
                e.updated_at = now;
                self.store.update_endpoint(&e).await?;
                e
            }
            None => {
                let e = EndpointRecord {
                    id: intoss_store::random_id("we_")?,
                    app_name: app.to_owned(),
                    kind: "LISTEN".into(),
                    url,
                    format: Format::Standard.as_str().into(),
                    event_types: types,
                    enabled: true,
                    allow_local: true,
                    ordered: true,
                    secrets: vec![webhook::generate_secret().map_err(|_| EventsError::Unavailable)?],
                    disabled_reason: None,
                    created_at: now,
                    updated_at: now,
                };
                self.store.insert_endpoint(&e).await?;
                e
            }
        };
        let secret = record.secrets.first().cloned().unwrap_or_default();
        Ok(api::EndpointSecret { endpoint: endpoint_view(&record), secret })
    }

    /// Claims the due deliveries of a `LISTEN` endpoint, signed, waiting up to `wait_secs` for
    /// one to arrive.
    pub async fn pull(
        &self,
        endpoint_id: &str,
        wait_secs: u64,
        now: impl Fn() -> i64,
    ) -> Result<api::PulledList, EventsError> {
        let e = self.endpoint_record(endpoint_id).await?;
        if e.kind != "LISTEN" {
            return Err(EventsError::InvalidState(format!(
                "endpoint `{endpoint_id}` is not a listen endpoint"
            )));
        }
        let owner = format!("listen:{endpoint_id}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait_secs.min(30));
        loop {
            let t = now();
            let claimed =
                self.store.claim_deliveries(&owner, t, LEASE_SECS, PULL_BATCH, Some(endpoint_id)).await?;
            if !claimed.is_empty() || std::time::Instant::now() >= deadline {
                let mut deliveries = Vec::new();
                for c in claimed {
                    let r = render(&c, t).map_err(|e| EventsError::InvalidState(e.to_string()))?;
                    deliveries.push(api::Pulled {
                        delivery_id: c.delivery.id.clone(),
                        attempt: c.delivery.attempts,
                        event_id: c.event.id.clone(),
                        event_type: c.event.event_type.clone(),
                        headers: r.headers.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
                        body: String::from_utf8_lossy(&r.body).into_owned(),
                    });
                }
                return Ok(api::PulledList { deliveries });
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Records what the forward target of a pulled delivery answered.
    pub async fn pull_result(
        &self,
        delivery_id: &str,
        r: api::PullResult,
        now: i64,
    ) -> Result<api::Recorded, EventsError> {
        let not_found = || EventsError::NotFound(format!("delivery `{delivery_id}` not found"));
        let (event_id, endpoint_id) = delivery_id.split_once(':').ok_or_else(not_found)?;
        let delivery = self
            .store
            .deliveries(event_id)
            .await?
            .into_iter()
            .find(|d| d.id == delivery_id)
            .ok_or_else(not_found)?;
        let event = self.store.event(event_id).await?.ok_or_else(not_found)?;
        let endpoint = self.endpoint_record(endpoint_id).await?;
        let claimed = Claimed { delivery, event, endpoint };
        let answer = match (r.status, &r.error) {
            (Some(s), _) => Answer::Status(s, None),
            (None, Some(e)) => Answer::NoAnswer(e.clone()),
            (None, None) => return Err(invalid("status", "status or error: say what the target answered")),
        };
        let mut outcome = decide(&claimed, &answer, now);
        // A local forward target's 410 does not switch off the listen endpoint.
        if let intoss_store::Outcome::Gone { .. } = outcome {
            outcome = intoss_store::Outcome::Failed { final_notice: false };
        }
        let record = AttemptRecord {
            delivery_id: delivery_id.to_owned(),
            n: r.attempt,
            started_at: now,
            finished_at: Some(now),
            status: r.status.map(i64::from),
            latency_ms: r.latency_ms,
            response_head: r.status.map(|s| format!("forwarded: {s}")),
            error: r.error.clone(),
        };
        if !self.store.finish_attempt(&format!("listen:{endpoint_id}"), &record, &outcome).await? {
            return Err(EventsError::InvalidState(format!(
                "attempt {} of `{delivery_id}` is not held by this listener (its lease ran out or it was reported)",
                r.attempt
            )));
        }
        let state = match outcome {
            intoss_store::Outcome::Delivered => "DELIVERED",
            intoss_store::Outcome::Retry { .. } => "PENDING",
            _ => "FAILED",
        };
        Ok(api::Recorded { state: state.into() })
    }
}

/// The data of a sample event of each type (what the real one carries, with sample values).
fn sample(t: EventType) -> serde_json::Value {
    let mut data = match t {
        EventType::CertificateExpiring => {
            json!({"serial": "5f00000000000000000000000000000000000001", "notBefore": 0, "notAfter": 0, "thresholdDays": 7})
        }
        EventType::CertificateIssued => {
            json!({"serial": "5f00000000000000000000000000000000000001", "notBefore": 0, "notAfter": 0, "keySource": "csr", "renewedFrom": null})
        }
        EventType::CertificateRevoked => {
            json!({"serial": "5f00000000000000000000000000000000000001", "notBefore": 0, "notAfter": 0, "reason": "keyCompromise"})
        }
        EventType::LoginUnlinked => json!({"userKey": 443731104, "referrer": "UNLINK"}),
        EventType::PaymentStatusChanged => json!({
            "payToken": "sample-pay-token", "orderNo": "sample-order-1", "payStatus": "PAY_COMPLETE",
            "userKey": 443731104, "amount": 1000, "refundedAmount": 0, "payMethod": "TOSS_MONEY", "mode": "TEST"
        }),
        EventType::OrderStatusChanged => json!({
            "orderId": "sample-order", "sku": "sample.sku", "status": "PAYMENT_COMPLETED", "reason": null,
            "userKey": 443731104, "amount": 1000
        }),
        EventType::PromotionResult => json!({
            "promotionCode": "SAMPLE", "key": "sample-key", "status": "PENDING", "userKey": 443731104,
            "amount": 100, "test": true, "reason": null
        }),
        EventType::IdentityVerificationCompleted => {
            json!({"txId": "sample-tx", "clientId": "sample-client", "status": "COMPLETED"})
        }
        _ => json!({}),
    };
    if let Some(d) = data.as_object_mut() {
        d.insert("sample".into(), json!(true));
    }
    data
}
