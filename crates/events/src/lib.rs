//! Delivery of the platform's events (the outbox in `intoss_store::EventStore`).
//!
//! - [`render`]: the signed request of one attempt, in the endpoint's format (Standard Webhooks
//!   or Toss-compatible, see `intoss_proto::webhook`);
//! - [`decide`]: what an answer means: delivered, retry when (the format's schedule, or the
//!   receiver's `Retry-After` on 429/503), given up with a final notice, or 410 (endpoint off);
//! - [`Dispatcher`]: the worker. Each [`Dispatcher::tick`] claims due deliveries under a lease
//!   (one worker per attempt across nodes), sends them concurrently, and records each attempt.
//!   Time is passed in, so a test drives the whole schedule with an injected clock;
//! - [`guard`]: no deliveries to private, loopback or link-local targets unless the endpoint is
//!   marked local.

pub mod admin;
pub mod guard;

pub use admin::{EventAdmin, EventsError};

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use intoss_proto::webhook::{self, Format, header};
use intoss_store::{AttemptRecord, Claimed, Outcome, Store};

/// Time allowed for one attempt, connect to the answer's head (success is a 2xx within it).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim holds a delivery: longer than an attempt can take.
pub const LEASE_SECS: i64 = 20;
/// Deliveries claimed per tick.
pub const BATCH: i64 = 32;
/// The longest `Retry-After` honoured (one day).
pub const MAX_RETRY_AFTER_SECS: i64 = 86_400;
/// Bytes of an answer's head kept in the attempt log.
pub const HEAD_LIMIT: usize = 2048;

const USER_AGENT: &str = concat!("intoss/", env!("CARGO_PKG_VERSION"));

/// One attempt's request: headers and body, signed.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Header names (lower case) and values, `content-type` included.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Why an attempt could not be rendered.
#[derive(Debug)]
pub enum RenderError {
    /// The stored event data is not JSON.
    Corrupt(String),
    /// A secret is not usable.
    Secret(String),
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Corrupt(e) => write!(f, "the event's data is not JSON: {e}"),
            Self::Secret(e) => write!(f, "the endpoint's secret is not usable: {e}"),
        }
    }
}

impl std::error::Error for RenderError {}

/// The endpoint's format (a stored value this version does not know is read as Standard).
pub fn format_of(c: &Claimed) -> Format {
    Format::parse(&c.endpoint.format).unwrap_or(Format::Standard)
}

/// The signed request of attempt `c.delivery.attempts` of `c`, sent at `now` (Unix seconds).
pub fn render(c: &Claimed, now: i64) -> Result<Rendered, RenderError> {
    let data: serde_json::Value =
        serde_json::from_str(&c.event.payload).map_err(|e| RenderError::Corrupt(e.to_string()))?;
    let ev = &c.event;
    let mut headers =
        vec![("content-type", "application/json".to_owned()), ("user-agent", USER_AGENT.to_owned())];
    let body = match format_of(c) {
        Format::Standard => {
            let body = webhook::standard_body(&ev.event_type, &ev.id, ev.created_at, &data);
            let sig = webhook::sign(&c.endpoint.secrets, &ev.id, now, &body)
                .map_err(|e| RenderError::Secret(e.to_string()))?;
            headers.push((header::ID, ev.id.clone()));
            headers.push((header::TIMESTAMP, now.to_string()));
            headers.push((header::SIGNATURE, sig));
            body
        }
        Format::Toss => {
            let body = webhook::toss_body(&ev.event_type, ev.created_at, &data);
            let time = intoss_proto::times::rfc3339(now);
            let sig = webhook::sign_toss(&c.endpoint.secrets, &body, &time)
                .map_err(|e| RenderError::Secret(e.to_string()))?;
            headers.push((header::TOSS_TIME, time));
            headers.push((header::TOSS_ID, ev.id.clone()));
            headers.push((header::TOSS_RETRIED, (c.delivery.attempts - 1).max(0).to_string()));
            headers.push((header::TOSS_SIGNATURE, sig));
            body
        }
    };
    Ok(Rendered { headers, body })
}

/// What the receiver did with an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// It answered this status, with this `Retry-After` (seconds) if any.
    Status(u16, Option<i64>),
    /// No answer: refused, reset, timed out (the reason).
    NoAnswer(String),
    /// The target is refused by the guard: no retries (fix the endpoint, then replay).
    Blocked(String),
}

/// What comes after an attempt of `c` answered `answer` at `now`.
pub fn decide(c: &Claimed, answer: &Answer, now: i64) -> Outcome {
    let retry_after = match answer {
        Answer::Status(s, _) if (200..300).contains(s) => return Outcome::Delivered,
        Answer::Status(410, _) => {
            return Outcome::Gone {
                reason: format!("the receiver answered 410 Gone at {}", intoss_proto::times::rfc3339(now)),
            };
        }
        Answer::Blocked(_) => return Outcome::Failed { final_notice: false },
        Answer::Status(429 | 503, Some(secs)) => Some((*secs).clamp(1, MAX_RETRY_AFTER_SECS)),
        _ => None,
    };
    let failed = u32::try_from(c.delivery.attempts - c.delivery.replay_base).unwrap_or(u32::MAX);
    match format_of(c).retry_delay(failed) {
        Some(delay) => Outcome::Retry { at: now + retry_after.unwrap_or(delay) },
        None => Outcome::Failed { final_notice: true },
    }
}

type Https = hyper_rustls::HttpsConnector<HttpConnector<guard::GuardedResolver>>;
type Open = hyper_rustls::HttpsConnector<HttpConnector>;

/// The delivery worker.
#[derive(Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    owner: String,
    guarded: Client<Https, Full<Bytes>>,
    open: Client<Open, Full<Bytes>>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher").field("owner", &self.owner).finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A worker named `owner` (unique per process: the lease holder's name), trusting the public
    /// web PKI and `extra_roots`, with the platform's TLS policy.
    pub fn new(
        store: Arc<dyn Store>,
        owner: String,
        extra_roots: &[rustls::pki_types::CertificateDer<'static>],
    ) -> Result<Self, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra_roots {
            roots.add(cert.clone())?;
        }
        let tls = rustls::ClientConfig::builder_with_provider(intoss_tls::policy_provider())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new_with_resolver(guard::GuardedResolver::new());
        http.enforce_http(false);
        http.set_connect_timeout(Some(ATTEMPT_TIMEOUT));
        let guarded = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls.clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(ATTEMPT_TIMEOUT));
        let open = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            store,
            owner,
            guarded: Client::builder(TokioExecutor::new()).build(guarded),
            open: Client::builder(TokioExecutor::new()).build(open),
        })
    }

    /// Claims the deliveries due at `now`, sends them concurrently and records each attempt;
    /// returns how many were attempted.
    pub async fn tick(&self, now: i64) -> Result<usize, intoss_store::StoreError> {
        let claimed = self.store.claim_deliveries(&self.owner, now, LEASE_SECS, BATCH, None).await?;
        let n = claimed.len();
        let mut tasks = tokio::task::JoinSet::new();
        for c in claimed {
            let this = self.clone();
            tasks.spawn(async move { this.attempt(c, now).await });
        }
        while let Some(done) = tasks.join_next().await {
            if let Ok(Err(e)) = done {
                tracing::error!(error = %e, "events: an attempt could not be recorded");
            }
        }
        Ok(n)
    }

    async fn attempt(&self, c: Claimed, now: i64) -> Result<(), intoss_store::StoreError> {
        let started = Instant::now();
        let (answer, head) = self.send(&c, now).await;
        let latency = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let outcome = decide(&c, &answer, now);
        let record = AttemptRecord {
            delivery_id: c.delivery.id.clone(),
            n: c.delivery.attempts,
            started_at: now,
            finished_at: Some(now),
            status: match answer {
                Answer::Status(s, _) => Some(i64::from(s)),
                _ => None,
            },
            latency_ms: Some(latency),
            response_head: head,
            error: match &answer {
                Answer::NoAnswer(e) | Answer::Blocked(e) => Some(e.clone()),
                Answer::Status(..) => None,
            },
        };
        log(&c, &answer, &outcome);
        if !self.store.finish_attempt(&self.owner, &record, &outcome).await? {
            tracing::warn!(delivery = %c.delivery.id, "events: the lease ran out before the attempt was recorded");
        }
        Ok(())
    }

    async fn send(&self, c: &Claimed, now: i64) -> (Answer, Option<String>) {
        let allow_local = c.endpoint.allow_local;
        let uri = match guard::check_url(&c.endpoint.url, allow_local) {
            Ok(u) => u,
            Err(e) => return (Answer::Blocked(e), None),
        };
        let rendered = match render(c, now) {
            Ok(r) => r,
            Err(e) => return (Answer::Blocked(e.to_string()), None),
        };
        let mut req = http::Request::post(uri);
        for (name, value) in &rendered.headers {
            req = req.header(*name, value.as_str());
        }
        let req = match req.body(Full::new(Bytes::from(rendered.body))) {
            Ok(r) => r,
            Err(e) => return (Answer::Blocked(format!("the request could not be built: {e}")), None),
        };
        let sending = async {
            let resp =
                if allow_local { self.open.request(req).await } else { self.guarded.request(req).await };
            resp.map_err(|e| describe(&e))
        };
        match tokio::time::timeout(ATTEMPT_TIMEOUT, sending).await {
            Err(_) => (Answer::NoAnswer(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())), None),
            Ok(Err(e)) if e.contains(guard::ADVICE) => (Answer::Blocked(e), None),
            Ok(Err(e)) => (Answer::NoAnswer(e), None),
            Ok(Ok(resp)) => {
                let status = resp.status();
                let retry_after = resp
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<i64>().ok());
                let head = head_of(&resp);
                // Read (and drop) a bounded answer so the connection can be reused.
                let _ = tokio::time::timeout(Duration::from_secs(2), resp.into_body().collect()).await;
                (Answer::Status(status.as_u16(), retry_after), Some(head))
            }
        }
    }
}

/// A client error with its causes (hyper's outer message alone says only "client error").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn head_of<B>(resp: &http::Response<B>) -> String {
    let mut head = format!("{:?} {}", resp.version(), resp.status());
    for (name, value) in resp.headers() {
        head.push_str("\r\n");
        head.push_str(name.as_str());
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        if head.len() > HEAD_LIMIT {
            break;
        }
    }
    if head.len() > HEAD_LIMIT {
        let mut cut = HEAD_LIMIT;
        while !head.is_char_boundary(cut) {
            cut -= 1;
        }
        head.truncate(cut);
    }
    head
}

/// Logs an attempt by endpoint and event, never the URL's path (it may carry a secret).
fn log(c: &Claimed, answer: &Answer, outcome: &Outcome) {
    let host = c
        .endpoint
        .url
        .parse::<http::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .unwrap_or_default();
    let (app, endpoint, event, n) = (&c.event.app_name, &c.endpoint.id, &c.event.id, c.delivery.attempts);
    match outcome {
        Outcome::Delivered => tracing::debug!(%app, %endpoint, %event, attempt = n, "event delivered"),
        Outcome::Retry { at } => {
            tracing::info!(%app, %endpoint, %event, attempt = n, webhook_host = %host, ?answer, retry_at = at, "event not delivered; retrying")
        }
        Outcome::Failed { final_notice: true } => tracing::warn!(
            %app, %endpoint, %event, attempt = n, webhook_host = %host, ?answer,
            "final notice: event not delivered after its last scheduled attempt (replay it from the console or `intoss webhook replay`)"
        ),
        Outcome::Failed { final_notice: false } => {
            tracing::warn!(%app, %endpoint, %event, webhook_host = %host, ?answer, "event not delivered; not retried")
        }
        Outcome::Gone { .. } => {
            tracing::warn!(%app, %endpoint, %event, webhook_host = %host, "the receiver answered 410 Gone; endpoint disabled")
        }
    }
}
