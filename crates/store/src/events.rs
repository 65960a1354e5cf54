//! The outbox: webhook endpoints, events, their deliveries and every attempt ([`EventStore`]).
//!
//! An event is written by [`emit_in!`] inside the transaction of the state change that caused it
//! (a payment's execution, a revocation, …), together with one delivery row for each enabled
//! endpoint of its app that wants its type: a committed change always has its event, and a
//! rolled-back one never does. Delivery workers [`EventStore::claim_deliveries`] due rows by
//! compare-and-set of a lease (on PostgreSQL `FOR UPDATE SKIP LOCKED` as well), so one worker
//! makes each attempt across processes and nodes; each claim opens an attempt row, and
//! [`EventStore::finish_attempt`] closes it and decides what comes next, only if the worker
//! still holds the lease. A worker that dies mid-attempt leaves its attempt open (shown as
//! interrupted); the lease runs out and another worker tries again.

use crate::Result;

/// A webhook endpoint of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    /// `we_…`.
    pub id: String,
    /// The app whose events it receives.
    pub app_name: String,
    /// `PUSH` (the platform posts to `url`) or `LISTEN` (`intoss listen` pulls and forwards).
    pub kind: String,
    /// Where events are posted (a `LISTEN` endpoint: where the CLI forwards them, informative).
    pub url: String,
    /// `STANDARD` or `TOSS`.
    pub format: String,
    /// The event types it wants; empty for all.
    pub event_types: Vec<String>,
    /// Receives deliveries.
    pub enabled: bool,
    /// May target loopback, private and link-local addresses.
    pub allow_local: bool,
    /// One delivery at a time, oldest event first.
    pub ordered: bool,
    /// Signing secrets, newest first (two during a rotation).
    pub secrets: Vec<String>,
    /// Why it was disabled by the platform (a 410), if it was.
    pub disabled_reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Creation order (across the whole platform).
    pub seq: i64,
    /// `evt_…`, the `webhook-id` of every delivery of it.
    pub id: String,
    /// Its app.
    pub app_name: String,
    /// `PAYMENT_STATUS_CHANGED`, … (see `intoss_proto::webhook::EventType`).
    pub event_type: String,
    /// The event's `data` (JSON text).
    pub payload: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Its app.
    pub app_name: String,
    /// Its type's wire name.
    pub event_type: &'static str,
    /// Its `data`.
    pub data: serde_json::Value,
    /// Unix seconds.
    pub at: i64,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// `{event id}:{endpoint id}`.
    pub id: String,
    /// The event.
    pub event_id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    pub state: String,
    /// Attempts made (including one in progress).
    pub attempts: i64,
    /// Attempts made before the last replay (the retry schedule restarts there).
    pub replay_base: i64,
    /// When the next attempt is due (`PENDING`).
    pub next_attempt_at: i64,
    /// When the final notice was given (the schedule ran out).
    pub final_notice_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttemptRecord {
    /// The delivery.
    pub delivery_id: String,
    /// 1, 2, …
    pub n: i64,
    /// Unix seconds.
    pub started_at: i64,
    /// `None`: the worker stopped before it had an answer (interrupted).
    pub finished_at: Option<i64>,
    /// The HTTP status answered.
    pub status: Option<i64>,
    /// Milliseconds from connect to the answer's head.
    pub latency_ms: Option<i64>,
    /// The answer's status line and headers (bounded).
    pub response_head: Option<String>,
    /// Why no answer (refused, timeout, blocked target).
    pub error: Option<String>,
}

/// A due delivery claimed by a worker, with what it needs to make the attempt.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery (its `attempts` is this attempt's number).
    pub delivery: DeliveryRecord,
    /// Its event.
    pub event: EventRecord,
    /// Its endpoint.
    pub endpoint: EndpointRecord,
}

/// What an attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx: done.
    Delivered,
    /// Try again at this time.
    Retry {
        /// Unix seconds.
        at: i64,
    },
    /// Given up; `final_notice` when the schedule ran out (the notice is recorded).
    Failed {
        /// Record a final notice.
        final_notice: bool,
    },
    /// The receiver answered 410: given up and the endpoint disabled with this reason.
    Gone {
        /// Recorded on the endpoint.
        reason: String,
    },
}

/// The outbox.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Stores a new endpoint. The app must exist.
    async fn insert_endpoint(&self, e: &EndpointRecord) -> Result<()>;
    /// Endpoints, optionally of one app, oldest first.
    async fn endpoints(&self, app: Option<&str>) -> Result<Vec<EndpointRecord>>;
    /// One endpoint.
    async fn endpoint(&self, id: &str) -> Result<Option<EndpointRecord>>;
    /// Writes an endpoint's settings (url, types, flags, secrets, reason, updated_at).
    async fn update_endpoint(&self, e: &EndpointRecord) -> Result<bool>;
    /// Deletes an endpoint and its deliveries.
    async fn delete_endpoint(&self, id: &str) -> Result<bool>;

    /// Writes an event by itself (a sample from `intoss trigger`), with its deliveries.
    async fn emit_event(&self, e: &NewEvent) -> Result<EventRecord>;
    /// An app's newest events.
    async fn events(&self, app: &str, limit: i64) -> Result<Vec<EventRecord>>;
    /// One event.
    async fn event(&self, id: &str) -> Result<Option<EventRecord>>;
    /// An event's deliveries.
    async fn deliveries(&self, event_id: &str) -> Result<Vec<DeliveryRecord>>;
    /// A delivery's attempts, in order.
    async fn attempts(&self, delivery_id: &str) -> Result<Vec<AttemptRecord>>;

    /// Claims up to `limit` due deliveries for `owner` until `now + lease_secs`: `PENDING`, due,
    /// not leased, endpoint enabled, and for an ordered endpoint the oldest it has pending. Of
    /// `PUSH` endpoints, or of the one `LISTEN` endpoint `listen`. Each claim counts an attempt
    /// and opens its row.
    async fn claim_deliveries(
        &self,
        owner: &str,
        now: i64,
        lease_secs: i64,
        limit: i64,
        listen: Option<&str>,
    ) -> Result<Vec<Claimed>>;
    /// Closes attempt `attempt.n` of `attempt.delivery_id` and applies `outcome`, if `owner`
    /// still holds the lease of that attempt (`false` otherwise: nothing written).
    async fn finish_attempt(&self, owner: &str, attempt: &AttemptRecord, outcome: &Outcome) -> Result<bool>;
    /// Queues every delivery of an event again (not one in flight); the schedule restarts.
    async fn replay_event(&self, event_id: &str, now: i64) -> Result<u64>;
    /// Queues again every failed delivery of an app's events created at or after `since`.
    async fn replay_failed(&self, app: &str, since: i64, now: i64) -> Result<u64>;
}

/// A new random id: `prefix` and 24 hex digits (96 random bits): events (`evt_`), endpoints
/// (`we_`). Fails closed when the system has no randomness.
pub fn random_id(prefix: &str) -> Result<String> {
    let mut b = [0u8; 12];
    aws_lc_rs::rand::fill(&mut b)
        .map_err(|_| crate::StoreError::Backend("no randomness for an id".into()))?;
    let mut s = String::with_capacity(prefix.len() + 24);
    s.push_str(prefix);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    Ok(s)
}

pub(crate) fn types_column(types: &[String]) -> String {
    if types.is_empty() { "*".to_owned() } else { format!(",{},", types.join(",")) }
}

fn types_of(column: &str) -> Vec<String> {
    if column == "*" {
        Vec::new()
    } else {
        column.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EndpointRow {
    id: String,
    app_name: String,
    kind: String,
    url: String,
    format: String,
    event_types: String,
    enabled: bool,
    allow_local: bool,
    ordered: bool,
    secrets: String,
    disabled_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<EndpointRow> for EndpointRecord {
    type Error = crate::StoreError;
    fn try_from(r: EndpointRow) -> Result<Self> {
        let secrets = serde_json::from_str(&r.secrets)
            .map_err(|e| crate::StoreError::Corrupt(format!("endpoint {} secrets: {e}", r.id)))?;
        Ok(Self {
            event_types: types_of(&r.event_types),
            id: r.id,
            app_name: r.app_name,
            kind: r.kind,
            url: r.url,
            format: r.format,
            enabled: r.enabled,
            allow_local: r.allow_local,
            ordered: r.ordered,
            secrets,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    seq: i64,
    id: String,
    app_name: String,
    event_type: String,
    payload: String,
    created_at: i64,
}

impl From<EventRow> for EventRecord {
    fn from(r: EventRow) -> Self {
        Self {
            seq: r.seq,
            id: r.id,
            app_name: r.app_name,
            event_type: r.event_type,
            payload: r.payload,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub(crate) id: String,
    event_id: String,
    endpoint_id: String,
    state: String,
    pub(crate) attempts: i64,
    replay_base: i64,
    next_attempt_at: i64,
    final_notice_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<DeliveryRow> for DeliveryRecord {
    fn from(r: DeliveryRow) -> Self {
        Self {
            id: r.id,
            event_id: r.event_id,
            endpoint_id: r.endpoint_id,
            state: r.state,
            attempts: r.attempts,
            replay_base: r.replay_base,
            next_attempt_at: r.next_attempt_at,
            final_notice_at: r.final_notice_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttemptRow {
    delivery_id: String,
    n: i64,
    started_at: i64,
    finished_at: Option<i64>,
    status: Option<i64>,
    latency_ms: Option<i64>,
    response_head: Option<String>,
    error: Option<String>,
}

impl From<AttemptRow> for AttemptRecord {
    fn from(r: AttemptRow) -> Self {
        Self {
            delivery_id: r.delivery_id,
            n: r.n,
            started_at: r.started_at,
            finished_at: r.finished_at,
            status: r.status,
            latency_ms: r.latency_ms,
            response_head: r.response_head,
            error: r.error,
        }
    }
}

/// The data of each event the store writes itself.
pub(crate) mod data {
    use super::NewEvent;
    use serde_json::json;

    pub(crate) fn payment(p: &crate::PaymentRecord, at: i64) -> NewEvent {
        NewEvent {
            app_name: p.app_name.clone(),
            event_type: "PAYMENT_STATUS_CHANGED",
            data: json!({
                "payToken": p.pay_token,
                "orderNo": p.order_no,
                "payStatus": p.status,
                "userKey": p.user_key,
                "amount": p.amount,
                "refundedAmount": p.refunded_amount,
                "payMethod": p.pay_method,
                "mode": p.mode,
            }),
            at,
        }
    }

    pub(crate) fn order(o: &crate::OrderRecord) -> NewEvent {
        NewEvent {
            app_name: o.app_name.clone(),
            event_type: "ORDER_STATUS_CHANGED",
            data: json!({
                "orderId": o.order_id,
                "sku": o.sku,
                "status": o.status,
                "reason": o.reason,
                "userKey": o.user_key,
                "amount": o.amount,
            }),
            at: o.determined_at,
        }
    }

    pub(crate) fn promotion(e: &crate::PromoExecutionRecord, at: i64) -> NewEvent {
        NewEvent {
            app_name: e.app_name.clone(),
            event_type: "PROMOTION_RESULT",
            data: json!({
                "promotionCode": e.promotion_code,
                "key": e.promo_key,
                "status": e.status,
                "userKey": e.user_key,
                "amount": e.amount,
                "test": e.test,
                "reason": e.failed_reason,
            }),
            at,
        }
    }

    pub(crate) fn unlinked(app: &str, user_key: i64, referrer: &str, at: i64) -> NewEvent {
        NewEvent {
            app_name: app.to_owned(),
            event_type: "LOGIN_UNLINKED",
            data: json!({ "userKey": user_key, "referrer": referrer }),
            at,
        }
    }

    pub(crate) fn cert(
        event_type: &'static str,
        c: &crate::CertRecord,
        at: i64,
        extra: serde_json::Value,
    ) -> NewEvent {
        let mut data = json!({
            "serial": c.serial,
            "notBefore": c.not_before,
            "notAfter": c.not_after,
        });
        if let (Some(d), serde_json::Value::Object(more)) = (data.as_object_mut(), extra) {
            d.extend(more);
        }
        NewEvent { app_name: c.app_name.clone(), event_type, data, at }
    }

    pub(crate) fn idv_completed(app: &str, tx_id: &str, client_id: &str, at: i64) -> NewEvent {
        NewEvent {
            app_name: app.to_owned(),
            event_type: "IDENTITY_VERIFICATION_COMPLETED",
            data: json!({ "txId": tx_id, "clientId": client_id, "status": "COMPLETED" }),
            at,
        }
    }
}

/// Writes the event `$ev` (a [`NewEvent`]) and its deliveries inside the open transaction `$t`;
/// evaluates to `Result<EventRecord>`. Use inside a block returning `crate::Result`.
macro_rules! emit_in {
    ($t:ident, $ev:expr) => {{
        let ev: &$crate::events::NewEvent = $ev;
        // `?` returns from the caller's transaction block, as its own `emit_in!(…)?` does.
        let id = $crate::events::random_id("evt_")?;
        let id = id.as_str();
        let payload = ev.data.to_string();
        let row: $crate::Result<$crate::events::EventRow> = {
            sqlx::query_as(
            "INSERT INTO events (id, app_name, event_type, payload, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING seq, id, app_name, event_type, payload, created_at",
        )
            .bind(id)
            .bind(&ev.app_name)
            .bind(ev.event_type)
            .bind(&payload)
            .bind(ev.at)
            .fetch_one(&mut *$t)
            .await
            .map_err(Into::into)
        };
        match row {
            Err(e) => Err(e),
            Ok(row) => sqlx::query(
                "INSERT INTO event_deliveries (id, event_id, endpoint_id, state, attempts, replay_base,
                                               next_attempt_at, lease_owner, lease_until, created_at, updated_at)
                 SELECT $1 || ':' || id, $1, id, 'PENDING', 0, 0, $3, '', 0, $3, $3
                   FROM webhook_endpoints
                  WHERE app_name = $2 AND enabled AND (event_types = '*' OR event_types LIKE '%,' || $4 || ',%')",
            )
            .bind(id)
            .bind(&ev.app_name)
            .bind(ev.at)
            .bind(ev.event_type)
            .execute(&mut *$t)
            .await
            .map(|_| $crate::events::EventRecord::from(row))
            .map_err($crate::StoreError::from),
        }
    }};
}

macro_rules! endpoint_columns {
    () => {
        "id, app_name, kind, url, format, event_types, enabled, allow_local, ordered, secrets, disabled_reason, \
         created_at, updated_at"
    };
}

macro_rules! delivery_columns {
    () => {
        "id, event_id, endpoint_id, state, attempts, replay_base, next_attempt_at, final_notice_at, created_at, \
         updated_at"
    };
}

/// Implements [`EventStore`] for a store type with a `pool` field; `$lock` is the row-lock
/// clause of the claim's inner SELECT (`""` on SQLite, whose writers are serialized).
macro_rules! impl_event_store {
    ($ty:ty, $lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::EventStore for $ty {
            async fn insert_endpoint(&self, e: &$crate::EndpointRecord) -> $crate::Result<()> {
                sqlx::query(concat!(
                    "INSERT INTO webhook_endpoints (",
                    $crate::events::endpoint_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                ))
                .bind(&e.id)
                .bind(&e.app_name)
                .bind(&e.kind)
                .bind(&e.url)
                .bind(&e.format)
                .bind($crate::events::types_column(&e.event_types))
                .bind(e.enabled)
                .bind(e.allow_local)
                .bind(e.ordered)
                .bind($crate::sql::json(&e.secrets))
                .bind(&e.disabled_reason)
                .bind(e.created_at)
                .bind(e.updated_at)
                .execute(&self.pool)
                .await
                .map_err(|err| $crate::sql::insert_error(err, format!("endpoint {}", e.id), &e.app_name))?;
                Ok(())
            }

            async fn endpoints(&self, app: Option<&str>) -> $crate::Result<Vec<$crate::EndpointRecord>> {
                let rows: Vec<$crate::events::EndpointRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::events::endpoint_columns!(),
                    " FROM webhook_endpoints WHERE ($1 IS NULL OR app_name = $1) ORDER BY created_at, id"
                ))
                .bind(app)
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn endpoint(&self, id: &str) -> $crate::Result<Option<$crate::EndpointRecord>> {
                let row: Option<$crate::events::EndpointRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::events::endpoint_columns!(),
                    " FROM webhook_endpoints WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn update_endpoint(&self, e: &$crate::EndpointRecord) -> $crate::Result<bool> {
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET url = $2, event_types = $3, enabled = $4, allow_local = $5,
                            ordered = $6, secrets = $7, disabled_reason = $8, updated_at = $9
                      WHERE id = $1",
                )
                .bind(&e.id)
                .bind(&e.url)
                .bind($crate::events::types_column(&e.event_types))
                .bind(e.enabled)
                .bind(e.allow_local)
                .bind(e.ordered)
                .bind($crate::sql::json(&e.secrets))
                .bind(&e.disabled_reason)
                .bind(e.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_endpoint(&self, id: &str) -> $crate::Result<bool> {
                let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn emit_event(&self, e: &$crate::NewEvent) -> $crate::Result<$crate::EventRecord> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<$crate::EventRecord> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let ev = $crate::events::emit_in!(t, e)?;
                    t.commit().await?;
                    Ok(ev)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn events(&self, app: &str, limit: i64) -> $crate::Result<Vec<$crate::EventRecord>> {
                let rows: Vec<$crate::events::EventRow> = sqlx::query_as(
                    "SELECT seq, id, app_name, event_type, payload, created_at FROM events
                      WHERE app_name = $1 ORDER BY seq DESC LIMIT $2",
                )
                .bind(app)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn event(&self, id: &str) -> $crate::Result<Option<$crate::EventRecord>> {
                let row: Option<$crate::events::EventRow> = sqlx::query_as(
                    "SELECT seq, id, app_name, event_type, payload, created_at FROM events WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn deliveries(&self, event_id: &str) -> $crate::Result<Vec<$crate::DeliveryRecord>> {
                let rows: Vec<$crate::events::DeliveryRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::events::delivery_columns!(),
                    " FROM event_deliveries WHERE event_id = $1 ORDER BY id"
                ))
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn attempts(&self, delivery_id: &str) -> $crate::Result<Vec<$crate::AttemptRecord>> {
                let rows: Vec<$crate::events::AttemptRow> = sqlx::query_as(
                    "SELECT delivery_id, n, started_at, finished_at, status, latency_ms, response_head, error
                       FROM delivery_attempts WHERE delivery_id = $1 ORDER BY n",
                )
                .bind(delivery_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn claim_deliveries(
                &self,
                owner: &str,
                now: i64,
                lease_secs: i64,
                limit: i64,
                listen: Option<&str>,
            ) -> $crate::Result<Vec<$crate::Claimed>> {
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<Vec<$crate::DeliveryRecord>> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let rows: Vec<$crate::events::DeliveryRow> = sqlx::query_as(concat!(
                        "UPDATE event_deliveries SET lease_owner = $1, lease_until = $2 + $3,
                                attempts = attempts + 1, updated_at = $2
                          WHERE id IN (
                                SELECT d.id FROM event_deliveries d
                                  JOIN events e ON e.id = d.event_id
                                  JOIN webhook_endpoints ep ON ep.id = d.endpoint_id
                                 WHERE d.state = 'PENDING' AND d.next_attempt_at <= $2 AND d.lease_until <= $2
                                   AND ep.enabled
                                   AND (($5 IS NULL AND ep.kind = 'PUSH') OR ep.id = $5)
                                   AND (NOT ep.ordered OR NOT EXISTS (
                                        SELECT 1 FROM event_deliveries d2 JOIN events e2 ON e2.id = d2.event_id
                                         WHERE d2.endpoint_id = d.endpoint_id AND d2.state = 'PENDING'
                                           AND e2.seq < e.seq))
                                 ORDER BY e.seq LIMIT $4",
                        $lock,
                        ")
                            AND state = 'PENDING' AND lease_until <= $2
                          RETURNING ",
                        $crate::events::delivery_columns!()
                    ))
                    .bind(owner)
                    .bind(now)
                    .bind(lease_secs)
                    .bind(limit)
                    .bind(listen)
                    .fetch_all(&mut *t)
                    .await?;
                    for r in &rows {
                        sqlx::query(
                            "INSERT INTO delivery_attempts (delivery_id, n, started_at) VALUES ($1, $2, $3)",
                        )
                        .bind(&r.id)
                        .bind(r.attempts)
                        .bind(now)
                        .execute(&mut *t)
                        .await?;
                    }
                    t.commit().await?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                // Back to the pool before the reads below take one (a pool of 4 would deadlock
                // under as many concurrent claims).
                drop(conn);
                let mut claimed = Vec::new();
                for delivery in done? {
                    let event = self.event(&delivery.event_id).await?;
                    let endpoint = $crate::EventStore::endpoint(self, &delivery.endpoint_id).await?;
                    if let (Some(event), Some(endpoint)) = (event, endpoint) {
                        claimed.push($crate::Claimed { delivery, event, endpoint });
                    }
                }
                Ok(claimed)
            }

            async fn finish_attempt(
                &self,
                owner: &str,
                a: &$crate::AttemptRecord,
                outcome: &$crate::Outcome,
            ) -> $crate::Result<bool> {
                let now = a.finished_at.unwrap_or(a.started_at);
                let (state, next, notice) = match outcome {
                    $crate::Outcome::Delivered => ("DELIVERED", 0, None),
                    $crate::Outcome::Retry { at } => ("PENDING", *at, None),
                    $crate::Outcome::Failed { final_notice } => ("FAILED", 0, final_notice.then_some(now)),
                    $crate::Outcome::Gone { .. } => ("FAILED", 0, None),
                };
                let mut conn = self.pool.acquire().await?;
                let done: $crate::Result<bool> = async {
                    let mut t = sqlx::Connection::begin(&mut *conn).await?;
                    let held = sqlx::query(
                        "UPDATE event_deliveries SET state = $4, next_attempt_at = $5, lease_owner = '', lease_until = 0,
                                final_notice_at = COALESCE($6, final_notice_at), updated_at = $7
                          WHERE id = $1 AND lease_owner = $2 AND attempts = $3",
                    )
                    .bind(&a.delivery_id)
                    .bind(owner)
                    .bind(a.n)
                    .bind(state)
                    .bind(next)
                    .bind(notice)
                    .bind(now)
                    .execute(&mut *t)
                    .await?;
                    if held.rows_affected() != 1 {
                        t.rollback().await?;
                        return Ok(false);
                    }
                    sqlx::query(
                        "UPDATE delivery_attempts SET finished_at = $3, status = $4, latency_ms = $5,
                                response_head = $6, error = $7
                          WHERE delivery_id = $1 AND n = $2",
                    )
                    .bind(&a.delivery_id)
                    .bind(a.n)
                    .bind(a.finished_at)
                    .bind(a.status)
                    .bind(a.latency_ms)
                    .bind(&a.response_head)
                    .bind(&a.error)
                    .execute(&mut *t)
                    .await?;
                    if let $crate::Outcome::Gone { reason } = outcome {
                        sqlx::query(
                            "UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $2, updated_at = $3
                              WHERE id = (SELECT endpoint_id FROM event_deliveries WHERE id = $1)",
                        )
                        .bind(&a.delivery_id)
                        .bind(reason)
                        .bind(now)
                        .execute(&mut *t)
                        .await?;
                    }
                    t.commit().await?;
                    Ok(true)
                }
                .await;
                $crate::sql::discard_if_failed(&mut conn, &done);
                done
            }

            async fn replay_event(&self, event_id: &str, now: i64) -> $crate::Result<u64> {
                let done = sqlx::query(
                    "UPDATE event_deliveries SET state = 'PENDING', replay_base = attempts, next_attempt_at = $2,
                            final_notice_at = NULL, updated_at = $2
                      WHERE event_id = $1 AND lease_until <= $2",
                )
                .bind(event_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn replay_failed(&self, app: &str, since: i64, now: i64) -> $crate::Result<u64> {
                let done = sqlx::query(
                    "UPDATE event_deliveries SET state = 'PENDING', replay_base = attempts, next_attempt_at = $3,
                            final_notice_at = NULL, updated_at = $3
                      WHERE state = 'FAILED'
                        AND event_id IN (SELECT id FROM events WHERE app_name = $1 AND created_at >= $2)",
                )
                .bind(app)
                .bind(since)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

pub(crate) use {delivery_columns, emit_in, endpoint_columns, impl_event_store};
