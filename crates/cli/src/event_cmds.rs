//! `intoss webhook ...`, `intoss trigger` and `intoss listen`: webhook endpoints and their secrets,
//! the event log with every attempt, replay, offline verification of a captured delivery, sample
//! events, and local forwarding of an app's events (no public URL needed).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Subcommand;
use intoss_client::AdminClient;
use intoss_client::webhook::WebhookVerifier;
use intoss_proto::api::events::{CreateEndpoint, Endpoint, Event, Listen, PatchEndpoint, PullResult};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCmd {
    /// Add an endpoint to an app; prints its signing secret (shown once).
    Add {
        /// The app.
        app: String,
        /// Where events are posted.
        #[arg(long)]
        url: String,
        /// standard (Standard Webhooks, default) or toss (Toss-compatible body, headers, schedule).
        #[arg(long, value_parser = ["standard", "toss", "STANDARD", "TOSS"])]
        format: Option<String>,
        /// Only these event types (comma-separated), e.g. PAYMENT_STATUS_CHANGED,LOGIN_UNLINKED.
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// Allow a loopback, private or link-local target (refused otherwise).
        #[arg(long)]
        local: bool,
        /// One delivery at a time, oldest event first.
        #[arg(long)]
        ordered: bool,
        #[arg(long)]
        json: bool,
    },
    /// An app's endpoints.
    List {
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Change an endpoint: URL, types, on/off (on again after a 410), local, ordered.
    Update {
        /// The endpoint's id (we_…).
        id: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_delimiter = ',')]
        events: Option<Vec<String>>,
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        #[arg(long)]
        disable: bool,
        #[arg(long)]
        local: Option<bool>,
        #[arg(long)]
        ordered: Option<bool>,
        #[arg(long)]
        json: bool,
    },
    /// Delete an endpoint and its deliveries.
    Delete { id: String },
    /// Start a secret rotation: prints the new secret; both sign until `retire`.
    Rotate { id: String },
    /// End a rotation: only the newest secret signs.
    Retire { id: String },
    /// An app's events with each delivery's state.
    Log {
        app: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One event with every attempt of every delivery.
    Show {
        /// The event's id (evt_…).
        event: String,
        #[arg(long)]
        json: bool,
    },
    /// Deliver an event again, or every failed delivery of an app since a time.
    Replay {
        /// The event's id (evt_…).
        #[arg(required_unless_present = "failed_since")]
        event: Option<String>,
        /// With --failed-since: the app.
        #[arg(long, requires = "failed_since")]
        app: Option<String>,
        /// RFC 3339: replay every failed delivery of the app's events created since then.
        #[arg(long, requires = "app", conflicts_with = "event")]
        failed_since: Option<String>,
    },
    /// Verify a captured delivery (Standard Webhooks): its headers file ("name: value" lines) and
    /// body file, against the endpoint's secret(s).
    Verify {
        /// A secret (whsec_…); repeat for a rotation. Default: $INTOSS_WEBHOOK_SECRET.
        #[arg(long = "secret", env = "INTOSS_WEBHOOK_SECRET", hide_env_values = true, value_delimiter = ' ')]
        secrets: Vec<String>,
        /// The request's headers.
        #[arg(long, value_name = "FILE")]
        headers: std::path::PathBuf,
        /// The request's body, byte for byte.
        #[arg(long, value_name = "FILE")]
        body: std::path::PathBuf,
        /// Check the timestamp as of this Unix time (default: now), for an old capture.
        #[arg(long)]
        at: Option<i64>,
    },
}

fn endpoint_line(e: &Endpoint) -> String {
    let types = if e.event_types.is_empty() { "all events".to_owned() } else { e.event_types.join(",") };
    let state = match (&e.enabled, &e.disabled_reason) {
        (true, _) => "enabled".to_owned(),
        (false, Some(why)) => format!("disabled: {why}"),
        (false, None) => "disabled".to_owned(),
    };
    format!("endpoint {} of {}: {} {} ({types}), {state}", e.id, e.app, e.format, e.url)
}

fn print_event(e: &Event) {
    println!("event {} {} of {} at {}", e.id, e.event_type, e.app, e.created_at);
    println!("  data: {}", e.data);
    for d in &e.deliveries {
        let next = d.next_attempt_at.as_deref().map(|t| format!(", next at {t}")).unwrap_or_default();
        let notice =
            d.final_notice_at.as_deref().map(|t| format!(", final notice at {t}")).unwrap_or_default();
        println!("  to {}: {} after {} attempt(s){next}{notice}", d.endpoint_id, d.state, d.attempts);
        for a in &d.log {
            let what = match (&a.status, &a.error, &a.finished_at) {
                (Some(s), _, _) => format!("HTTP {s}"),
                (None, Some(e), _) => e.clone(),
                (None, None, None) => "interrupted (the worker stopped before an answer)".into(),
                (None, None, Some(_)) => "no answer".into(),
            };
            let ms = a.latency_ms.map(|m| format!(" in {m} ms")).unwrap_or_default();
            println!("    #{} {}: {what}{ms}", a.n, a.started_at);
        }
    }
}

pub(crate) async fn webhook(g: &Global, cmd: WebhookCmd) -> anyhow::Result<ExitCode> {
    if let WebhookCmd::Verify { secrets, headers, body, at } = cmd {
        return verify(&secrets, &headers, &body, at);
    }
    let client = connect(g)?;
    match cmd {
        WebhookCmd::Add { app, url, format, events, local, ordered, json } => {
            let req = CreateEndpoint {
                url,
                format: format.map(|f| f.to_ascii_uppercase()),
                event_types: Some(events),
                local: Some(local),
                ordered: Some(ordered),
            };
            let made = client.create_endpoint(&app, &req).await?;
            if json {
                crate::output::json(&made);
            } else {
                println!("{}", endpoint_line(&made.endpoint));
                println!("signing secret (shown once): {}", made.secret);
            }
        }
        WebhookCmd::List { app, json } => {
            let list = client.endpoints(&app).await?.endpoints;
            if json {
                crate::output::json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|e| {
                        vec![
                            e.id.clone(),
                            e.kind.clone(),
                            e.format.clone(),
                            e.url.clone(),
                            if e.event_types.is_empty() { "*".into() } else { e.event_types.join(",") },
                            if e.enabled {
                                "yes".into()
                            } else {
                                format!("no {}", e.disabled_reason.clone().unwrap_or_default())
                            },
                            e.secret_count.to_string(),
                        ]
                    })
                    .collect();
                table(&["ID", "KIND", "FORMAT", "URL", "EVENTS", "ENABLED", "SECRETS"], &rows);
            }
        }
        WebhookCmd::Update { id, url, events, enable, disable, local, ordered, json } => {
            let enabled = match (enable, disable) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            let e = client
                .update_endpoint(&id, &PatchEndpoint { url, event_types: events, enabled, local, ordered })
                .await?;
            if json {
                crate::output::json(&e);
            } else {
                println!("{}", endpoint_line(&e));
            }
        }
        WebhookCmd::Delete { id } => {
            let e = client.delete_endpoint(&id).await?;
            println!("deleted {}", endpoint_line(&e));
        }
        WebhookCmd::Rotate { id } => {
            let made = client.rotate_secret(&id).await?;
            println!("new signing secret (shown once): {}", made.secret);
            println!("deliveries are signed with it and the previous one until `intoss webhook retire {id}`");
        }
        WebhookCmd::Retire { id } => {
            let e = client.retire_secret(&id).await?;
            println!("{}: one secret signs", endpoint_line(&e));
        }
        WebhookCmd::Log { app, limit, json } => {
            let list = client.events(&app, Some(limit)).await?.events;
            if json {
                crate::output::json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|e| {
                        let deliveries: Vec<String> = e
                            .deliveries
                            .iter()
                            .map(|d| format!("{}:{}×{}", d.endpoint_id, d.state, d.attempts))
                            .collect();
                        vec![e.id.clone(), e.event_type.clone(), e.created_at.clone(), deliveries.join(" ")]
                    })
                    .collect();
                table(&["EVENT", "TYPE", "CREATED", "DELIVERIES"], &rows);
            }
        }
        WebhookCmd::Show { event, json } => {
            let e = client.event(&event).await?;
            if json {
                crate::output::json(&e);
            } else {
                print_event(&e);
            }
        }
        WebhookCmd::Replay { event, app, failed_since } => {
            let n = match (event, app, failed_since) {
                (Some(id), _, _) => client.replay_event(&id).await?.replayed,
                (None, Some(app), Some(since)) => client.replay_failed(&app, &since).await?.replayed,
                _ => anyhow::bail!("name an event, or --app and --failed-since"),
            };
            println!("{n} deliver{} queued", if n == 1 { "y" } else { "ies" });
        }
        WebhookCmd::Verify { .. } => unreachable!("handled above"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Verifies a captured delivery offline; exit 1 with the reason when it does not verify.
fn verify(
    secrets: &[String],
    headers: &std::path::Path,
    body: &std::path::Path,
    at: Option<i64>,
) -> anyhow::Result<ExitCode> {
    let secrets: Vec<String> = secrets.iter().filter(|s| !s.is_empty()).cloned().collect();
    if secrets.is_empty() {
        anyhow::bail!("give the endpoint's secret: --secret whsec_… or INTOSS_WEBHOOK_SECRET");
    }
    let text =
        std::fs::read_to_string(headers).with_context(|| format!("cannot read {}", headers.display()))?;
    let mut map = http::HeaderMap::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (Ok(name), Ok(value)) =
            (http::HeaderName::from_bytes(name.trim().as_bytes()), http::HeaderValue::from_str(value.trim()))
        else {
            continue;
        };
        map.append(name, value);
    }
    let body = std::fs::read(body).with_context(|| format!("cannot read {}", body.display()))?;
    let verifier = WebhookVerifier::with_secrets(secrets);
    let result = match at {
        Some(now) => verifier.verify_at(&map, &body, now),
        None => verifier.verify(&map, &body),
    };
    match result {
        Ok(e) => {
            println!("verified: event {} {} at {}", e.id, e.event_type, e.timestamp);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("not verified: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `intoss trigger TYPE --app A`: a sample event, delivered like a real one.
pub(crate) async fn trigger(g: &Global, app: &str, event_type: &str, json: bool) -> anyhow::Result<ExitCode> {
    let e = connect(g)?.trigger_event(app, event_type).await?;
    if json {
        crate::output::json(&e);
    } else {
        let to = e.deliveries.len();
        println!(
            "event {} {} of {} emitted, to {to} endpoint{}",
            e.id,
            e.event_type,
            e.app,
            if to == 1 { "" } else { "s" }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `intoss listen --app A --forward-to URL`: pulls the app's events from the platform and posts
/// each, signed, to URL (http://), reporting what it answered; until interrupted.
pub(crate) async fn listen(
    g: &Global,
    app: &str,
    forward_to: &str,
    events: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let target: http::Uri = forward_to.parse().with_context(|| format!("`{forward_to}` is not a URL"))?;
    if target.scheme_str() != Some("http") {
        anyhow::bail!("--forward-to takes an http:// URL (a local receiver)");
    }
    let client = connect(g)?;
    let session = client
        .listen(app, &Listen { forward_to: Some(forward_to.to_owned()), event_types: Some(events) })
        .await?;
    println!("Ready. Forwarding {app}'s events to {forward_to}");
    println!("Signing secret (the same every time): {}", session.secret);
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let endpoint = session.endpoint.id;
    loop {
        let pulled = match client.pull(&endpoint, 20).await {
            Ok(p) => p.deliveries,
            Err(e) => {
                eprintln!("cannot pull events: {e}; retrying in 2 s");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        for d in pulled {
            let result = forward(&http, &target, &d.headers, d.body.clone()).await;
            let (status, error, latency) = match &result {
                Ok((s, ms)) => (Some(*s), None, Some(*ms)),
                Err(e) => (None, Some(e.clone()), None),
            };
            match (&status, &error) {
                (Some(s), _) => println!("{} {} → {s}", d.event_type, d.event_id),
                (None, Some(e)) => println!("{} {} → not forwarded: {e}", d.event_type, d.event_id),
                _ => {}
            }
            report(
                &client,
                &d.delivery_id,
                PullResult { attempt: d.attempt, status, error, latency_ms: latency },
            )
            .await;
        }
    }
}

type Forwarder = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

async fn forward(
    http: &Forwarder,
    target: &http::Uri,
    headers: &[(String, String)],
    body: String,
) -> Result<(u16, i64), String> {
    let mut req = http::Request::post(target.clone());
    for (name, value) in headers {
        req = req.header(name.as_str(), value.as_str());
    }
    let req = req.body(http_body_util::Full::new(bytes::Bytes::from(body))).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let resp = tokio::time::timeout(Duration::from_secs(10), http.request(req))
        .await
        .map_err(|_| "no answer within 10 s".to_owned())?
        .map_err(|e| format!("{e}"))?;
    let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    Ok((resp.status().as_u16(), ms))
}

async fn report(client: &AdminClient, delivery: &str, result: PullResult) {
    if let Err(e) = client.report_delivery(delivery, &result).await {
        eprintln!("could not report {delivery}: {e} (it is delivered again after its lease)");
    }
}
