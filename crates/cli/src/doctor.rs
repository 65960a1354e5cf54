//! `intoss doctor`: a checklist for a partner's mTLS set-up.
//!
//! Local checks first (the certificate, the key, that they belong together, the chain to the
//! platform CA, the expiry), then, with `--url`, the network ones over a single connection
//! (TCP, the TLS handshake with the certificate presented, one GET and its envelope). Every
//! finding that is not OK carries a concrete fix; the exit status is the worst finding.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

mod local;
mod net;

use net::Target;

/// Arguments of `intoss doctor`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Prints one line per check with OK, WARN, FAIL or SKIP, and a fix under every line that is not OK.

Exit status: 0 when every check is OK (or skipped), 1 when any check FAILs, 3 when the worst is a
WARN (2 is a usage error).

Example:
  intoss doctor --cert client-cert.pem --key client-key.pem --cacert ca.pem \\
      --url https://127.0.0.1:8443/api-partner/v1/whoami")]
pub(crate) struct DoctorArgs {
    /// The client certificate (PEM), as downloaded from the console or written by `intoss cert issue`.
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: PathBuf,
    /// Its private key (PEM: PKCS#8 `BEGIN PRIVATE KEY`, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE")]
    pub(crate) key: PathBuf,
    /// The platform's CA certificate (DIR/ca.pem): checks the chain and trusts the server.
    /// Without it the chain and TLS checks are skipped.
    #[arg(long, value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// An API URL to try, e.g. https://HOST:PORT/api-partner/v1/whoami (a GET is sent).
    #[arg(long, value_name = "URL", value_parser = Target::parse)]
    pub(crate) url: Option<Target>,
    /// Print the checks as a JSON array of {check, status, detail, fix}.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The outcome of one check, in increasing order of gravity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    /// Not run: an earlier finding or a missing flag makes it meaningless.
    Skip,
    /// Fine.
    Ok,
    /// Works today, needs attention.
    Warn,
    /// Broken: the platform will refuse this set-up.
    Fail,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
            Self::Skip => "SKIP",
        }
    }
}

/// One line of the checklist. Every non-OK finding has a fix.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub(crate) check: &'static str,
    pub(crate) status: Status,
    pub(crate) detail: String,
    pub(crate) fix: Option<String>,
}

impl Finding {
    pub(crate) fn ok(check: &'static str, detail: impl Into<String>) -> Self {
        Self { check, status: Status::Ok, detail: detail.into(), fix: None }
    }

    pub(crate) fn warn(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { check, status: Status::Warn, detail: detail.into(), fix: Some(fix.into()) }
    }

    pub(crate) fn fail(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { check, status: Status::Fail, detail: detail.into(), fix: Some(fix.into()) }
    }

    pub(crate) fn skip(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { check, status: Status::Skip, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// Check names, in the order they are printed.
pub(crate) mod check {
    pub(crate) const CERTIFICATE: &str = "certificate";
    pub(crate) const KEY: &str = "private key";
    pub(crate) const KEY_MATCH: &str = "key match";
    pub(crate) const CHAIN: &str = "chain";
    pub(crate) const EXPIRY: &str = "expiry";
    pub(crate) const REACHABILITY: &str = "reachability";
    pub(crate) const TLS: &str = "tls handshake";
    pub(crate) const API: &str = "api envelope";
    /// The widest name, for the table.
    pub(super) const WIDTH: usize = 13;
}

pub(crate) async fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let local = local::check(&args);
    let mut findings = local.findings;
    match (args.url, local.identity) {
        (None, _) => {
            let fix = "pass --url https://HOST:PORT/api-partner/v1/whoami to try a real request";
            for name in [check::REACHABILITY, check::TLS, check::API] {
                findings.push(Finding::skip(name, "no --url given", fix));
            }
        }
        (Some(target), identity) => {
            let probe = tokio::task::spawn_blocking(move || net::probe(&target, identity))
                .await
                .context("the network checks stopped unexpectedly")?;
            findings.extend(probe);
        }
    }
    if args.json {
        print_json(&findings);
    } else {
        print_table(&findings);
    }
    Ok(exit_code(&findings))
}

/// 0 when nothing is worse than OK/SKIP, 1 on any FAIL, 3 when the worst is a WARN.
fn exit_code(findings: &[Finding]) -> ExitCode {
    match findings.iter().map(|f| f.status).max() {
        Some(Status::Fail) => ExitCode::from(1),
        Some(Status::Warn) => ExitCode::from(3),
        _ => ExitCode::SUCCESS,
    }
}

fn print_table(findings: &[Finding]) {
    let indent = " ".repeat(4 + 2 + check::WIDTH + 2);
    for f in findings {
        println!("{:<4}  {:<w$}  {}", f.status.as_str(), f.check, f.detail, w = check::WIDTH);
        if let Some(fix) = &f.fix {
            println!("{indent}fix: {fix}");
        }
    }
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    println!(
        "{} checks: {} OK, {} WARN, {} FAIL, {} SKIP",
        findings.len(),
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Fail),
        count(Status::Skip)
    );
}

/// One element of the `--json` array, fields in this order.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    check: &'a str,
    status: &'a str,
    detail: &'a str,
    fix: Option<&'a str>,
}

fn print_json(findings: &[Finding]) {
    let rows: Vec<JsonRow<'_>> = findings
        .iter()
        .map(|f| JsonRow {
            check: f.check,
            status: f.status.as_str(),
            detail: &f.detail,
            fix: f.fix.as_deref(),
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds (proleptic Gregorian, UTC).
pub(crate) fn utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn exit_code_is_the_worst_finding() {
        let ok = Finding::ok("a", "");
        let skip = Finding::skip("a", "", "");
        let warn = Finding::warn("a", "", "");
        let fail = Finding::fail("a", "", "");
        assert_eq!(exit_code(&[ok.clone(), skip.clone()]), ExitCode::SUCCESS);
        assert_eq!(exit_code(&[ok.clone(), warn.clone()]), ExitCode::from(3));
        assert_eq!(exit_code(&[warn, fail, ok, skip]), ExitCode::from(1));
    }
}
