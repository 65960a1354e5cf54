//! Sandbox controls through the admin API: `intoss fault add|list|clear` (faults injected into
//! an app's gateway answers) and `intoss logs tail` (its request journal).

use std::process::ExitCode;

use clap::{ArgGroup, Subcommand};
use intoss_proto::api::sandbox::{Fault, FaultAction, NewFault};

use crate::admin_cmds::connect;
use crate::args::Global;
use crate::output::table;

#[derive(Debug, Subcommand)]
pub(crate) enum FaultCmd {
    /// Inject a fault: requests of --app under --path are hit with probability --p.
    #[command(group(ArgGroup::new("action").required(true).args(
        ["fail", "result_type", "latency", "reset", "invalid_grant", "rate_limit"]
    )))]
    Add {
        #[arg(long)]
        app: String,
        /// Path prefix of the requests it may hit.
        #[arg(long, default_value = "/api-partner/")]
        path: String,
        /// Probability of a hit, in (0, 1].
        #[arg(long, default_value_t = 1.0)]
        p: f64,
        /// HTTP 200 with a FAIL envelope carrying this errorCode.
        #[arg(long, value_name = "ERROR_CODE")]
        fail: Option<String>,
        /// The FAIL envelope's reason (with --fail).
        #[arg(long, requires = "fail")]
        reason: Option<String>,
        /// HTTP 200 with this resultType.
        #[arg(long, value_parser = ["HTTP_TIMEOUT", "NETWORK_ERROR", "INTERRUPTED"])]
        result_type: Option<String>,
        /// Delay the request this many milliseconds (the median with --sigma).
        #[arg(long, value_name = "MS")]
        latency: Option<u64>,
        /// Lognormal spread of the delay (with --latency).
        #[arg(long, requires = "latency")]
        sigma: Option<f64>,
        /// Drop the connection without an answer.
        #[arg(long)]
        reset: bool,
        /// HTTP 400 {"error":"invalid_grant"}.
        #[arg(long)]
        invalid_grant: bool,
        /// HTTP 429 with this Retry-After (seconds).
        #[arg(long, value_name = "SECS")]
        rate_limit: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// An app's faults, in the order they are tried.
    List {
        #[arg(long)]
        app: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove one fault (ID) or all of an app's.
    Clear {
        #[arg(long)]
        app: String,
        /// The fault's id (`flt_…`); all of them without it.
        id: Option<String>,
    },
}

pub(crate) async fn fault(g: &Global, cmd: FaultCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        FaultCmd::Add {
            app,
            path,
            p,
            fail,
            reason,
            result_type,
            latency,
            sigma,
            reset,
            invalid_grant,
            rate_limit,
            json,
        } => {
            let action = if let Some(error_code) = fail {
                FaultAction::Fail { error_code, reason }
            } else if let Some(result_type) = result_type {
                FaultAction::ResultType { result_type }
            } else if let Some(ms) = latency {
                FaultAction::Latency { ms, sigma }
            } else if reset {
                FaultAction::Reset
            } else if invalid_grant {
                FaultAction::InvalidGrant
            } else if let Some(retry_after_secs) = rate_limit {
                FaultAction::RateLimit { retry_after_secs }
            } else {
                anyhow::bail!("say what the fault does (--fail, --result-type, --latency, --reset, …)");
            };
            let f = client.add_fault(&app, &NewFault { path_prefix: path, probability: p, action }).await?;
            if json {
                crate::output::json(&f);
            } else {
                println!("fault {} on {}: {}", f.id, f.app, describe(&f));
            }
        }
        FaultCmd::List { app, json } => {
            let list = client.faults(&app).await?.faults;
            if json {
                crate::output::json(&list);
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|f| {
                        vec![
                            f.id.clone(),
                            f.path_prefix.clone(),
                            f.probability.to_string(),
                            action(&f.action),
                        ]
                    })
                    .collect();
                table(&["ID", "PATH", "P", "ACTION"], &rows);
            }
        }
        FaultCmd::Clear { app, id } => {
            let removed = client.clear_faults(&app, id.as_deref()).await?.removed;
            println!("removed {removed} fault(s) of {app}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(f: &Fault) -> String {
    format!("{} of requests under {}: {}", f.probability, f.path_prefix, action(&f.action))
}

fn action(a: &FaultAction) -> String {
    match a {
        FaultAction::Fail { error_code, .. } => format!("FAIL {error_code}"),
        FaultAction::ResultType { result_type } => format!("resultType {result_type}"),
        FaultAction::Latency { ms, sigma: None } => format!("+{ms} ms"),
        FaultAction::Latency { ms, sigma: Some(s) } => format!("+{ms} ms median, lognormal sigma {s}"),
        FaultAction::Reset => "connection dropped".into(),
        FaultAction::InvalidGrant => "400 invalid_grant".into(),
        FaultAction::RateLimit { retry_after_secs } => format!("429, Retry-After {retry_after_secs}"),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum LogsCmd {
    /// An app's last gateway requests (this node's journal), oldest first; --follow keeps
    /// printing new ones.
    Tail {
        #[arg(long)]
        app: String,
        /// How many of the last ones to show first (at most 200).
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        /// Keep polling for new requests (every second) until interrupted.
        #[arg(long, short = 'f')]
        follow: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn logs(g: &Global, cmd: LogsCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let LogsCmd::Tail { app, lines, follow, json } = cmd;
    let log = client.requests(&app, 0, None).await?;
    let skip = log.requests.len().saturating_sub(lines);
    let mut next = log.next;
    let print = |r: &intoss_proto::api::sandbox::RequestRecord| {
        if json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            println!(
                "{} {:>6} {} {} {}{} serial {} remaining {} {:.1} ms",
                r.at,
                r.seq,
                r.method,
                r.path,
                r.status,
                r.error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
                r.cert_serial,
                r.remaining,
                r.latency_ms
            );
            if let (Some(req), Some(resp)) = (&r.request_body, &r.response_body) {
                println!("    request  {req}");
                println!("    response {resp}");
            }
        }
    };
    log.requests.iter().skip(skip).for_each(print);
    if !follow {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let more = client.requests(&app, next, None).await?;
        more.requests.iter().for_each(print);
        next = more.next;
    }
}
