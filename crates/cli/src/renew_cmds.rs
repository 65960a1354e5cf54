//! `intoss cert renew`: a certificate renews itself over mTLS (partner side, no admin token),
//! once or as a daemon; `intoss app renewal`: an app's renewal policy (admin API); and
//! `intoss ca rotate|finish`: the root CA rotation of a data dir.
//!
//! Exit status of `cert renew`: 0 when renewed (or, with `--if-due`, not yet due); 1 with the
//! platform's reason when it refuses (RENEWAL_NOT_ALLOWED, RENEWAL_TOO_EARLY,
//! TOO_MANY_CERTIFICATES, a revoked or expired certificate) or when `--exec` fails. The daemon
//! retries outages (transport errors, 429, 5xx) with backoff and stops on a refusal.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use clap::Args;
use intoss_client::renew::{NewKey, RenewEvent, RenewSchedule, Renewer, is_refusal};
use intoss_client::{PartnerClient, RetryPolicy};
use intoss_proto::api::admin::{IssuedCert, PatchRenewalPolicy, RenewalPolicy};

use crate::admin_cmds::connect;
use crate::args::Global;

/// Arguments of `intoss cert renew`.
#[derive(Debug, Args)]
pub(crate) struct RenewArgs {
    /// The gateway's base URL, e.g. https://127.0.0.1:8443.
    #[arg(long, env = "INTOSS_GATEWAY_URL", value_name = "URL")]
    url: String,
    /// The client certificate (PEM): presented to renew, then replaced.
    #[arg(long, env = "INTOSS_CERT", value_name = "FILE")]
    cert: PathBuf,
    /// Its key (PEM), replaced by the new key.
    #[arg(long, env = "INTOSS_KEY", value_name = "FILE")]
    key: PathBuf,
    /// Trust only this CA (the platform's ca.pem).
    #[arg(long, env = "INTOSS_CACERT", value_name = "FILE")]
    cacert: Option<PathBuf>,
    /// Keep running: renew whenever due (at --at of the lifetime plus jitter).
    #[arg(long)]
    daemon: bool,
    /// Renew only if due (for cron); without it and without --daemon, renew now.
    #[arg(long, conflicts_with = "daemon")]
    if_due: bool,
    /// When due, as a fraction of the lifetime (default 2/3: day 260 of 390).
    #[arg(long, default_value_t = 2.0 / 3.0, value_name = "FRACTION")]
    at: f64,
    /// Largest random delay after that, as a fraction of the lifetime (default 1/50, ~8 days).
    #[arg(long, default_value_t = 1.0 / 50.0, value_name = "FRACTION")]
    jitter: f64,
    /// The daemon looks at the clock at least this often: `30s`, `10m`, `1h` (default).
    #[arg(long, default_value = "1h", value_parser = parse_duration, value_name = "DURATION")]
    check_every: Duration,
    /// Let the platform generate the new key (the app's policy must allow it); default: a new
    /// key made here, sent as a CSR.
    #[arg(long)]
    server_key: bool,
    /// Run this shell command after each renewal (e.g. reload the service using the files).
    /// It gets INTOSS_CERT_SERIAL, INTOSS_CERT_NOT_AFTER and INTOSS_RENEWED_FROM.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,
}

pub(crate) async fn renew(a: RenewArgs) -> anyhow::Result<ExitCode> {
    let mut builder = PartnerClient::builder()
        .base_url(&a.url)
        .identity_files(&a.cert, &a.key)
        .retry(RetryPolicy::default());
    if let Some(ca) = &a.cacert {
        builder =
            builder.private_ca(std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?);
    }
    let client = builder.build()?;
    let schedule = RenewSchedule { at: a.at, jitter: a.jitter };
    let new_key = if a.server_key { NewKey::Platform } else { NewKey::Csr };
    let renewer = Renewer::new(client, &a.cert, &a.key, schedule, new_key)?;
    if !a.daemon {
        if a.if_due {
            let (due, cur) = renewer.due()?;
            if due > SystemTime::now() {
                println!("certificate {} is not due: renewal at {}", cur.serial, rfc3339(due));
                return Ok(ExitCode::SUCCESS);
            }
        }
        let issued = renewer.renew_now().await?;
        report(&issued);
        run_exec(a.exec.as_deref(), &issued)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (due, cur) = renewer.due()?;
    eprintln!("renewing certificate {} at {}", cur.serial, rfc3339(due));
    let mut exec_failed = None;
    let result = renewer
        .run(a.check_every, |event| match event {
            RenewEvent::Renewed(issued) => {
                report(issued);
                if let Err(e) = run_exec(a.exec.as_deref(), issued) {
                    exec_failed = Some(e);
                    return false;
                }
                if let Ok((due, _)) = renewer.due() {
                    eprintln!("next renewal at {}", rfc3339(due));
                }
                true
            }
            RenewEvent::Failed { error, retry_in } => {
                if is_refusal(error) {
                    return false;
                }
                eprintln!("renewal failed ({error}); retrying in {} s", retry_in.as_secs());
                true
            }
        })
        .await;
    if let Some(e) = exec_failed {
        return Err(e);
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

fn report(issued: &IssuedCert) {
    let c = &issued.certificate;
    println!(
        "renewed: certificate {} of app {} (valid until {}), from {}",
        c.serial,
        c.app,
        c.not_after,
        c.renewed_from.as_deref().unwrap_or("-")
    );
}

fn run_exec(cmd: Option<&str>, issued: &IssuedCert) -> anyhow::Result<()> {
    let Some(cmd) = cmd else { return Ok(()) };
    let c = &issued.certificate;
    let status = std::process::Command::new("sh")
        .args(["-c", cmd])
        .env("INTOSS_CERT_SERIAL", &c.serial)
        .env("INTOSS_CERT_NOT_AFTER", &c.not_after)
        .env("INTOSS_RENEWED_FROM", c.renewed_from.as_deref().unwrap_or(""))
        .status()
        .with_context(|| format!("cannot run --exec `{cmd}`"))?;
    anyhow::ensure!(status.success(), "--exec `{cmd}` failed ({status}); the new files are in place");
    Ok(())
}

fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    intoss_core::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// `90s`, `10m`, `1h`, `2d`, or plain seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("`{s}`: a number with s, m, h or d"))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{s}`: the unit is s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(mult)))
}

/// Arguments of `intoss app renewal`.
#[derive(Debug, Args)]
pub(crate) struct AppRenewalArgs {
    /// The app.
    name: String,
    /// Allow its certificates to renew themselves.
    #[arg(long)]
    allowed: Option<bool>,
    /// Renewable once at most this many days are left (0–390; 390 = any time).
    #[arg(long)]
    window_days: Option<u32>,
    /// Allow keys generated by the platform (answered over the mTLS connection).
    #[arg(long)]
    server_keys: Option<bool>,
    /// Refuse a renewal while the app has this many active certificates (1–1000).
    #[arg(long)]
    max_active: Option<u32>,
    #[arg(long)]
    json: bool,
}

pub(crate) async fn app_renewal(g: &Global, a: AppRenewalArgs) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let patch = PatchRenewalPolicy {
        allowed: a.allowed,
        window_days: a.window_days,
        server_keys: a.server_keys,
        max_active: a.max_active,
    };
    let policy = if patch == PatchRenewalPolicy::default() {
        client.renewal_policy(&a.name).await?
    } else {
        client.update_renewal_policy(&a.name, &patch).await?
    };
    if a.json {
        crate::output::json(&policy);
    } else {
        show(&a.name, &policy);
    }
    Ok(ExitCode::SUCCESS)
}

fn show(app: &str, p: &RenewalPolicy) {
    println!("certificate renewal of {app}:");
    println!("  allowed       {}", if p.allowed { "yes" } else { "no" });
    println!("  window        the last {} days before expiry", p.window_days);
    println!(
        "  new key       {}",
        if p.server_keys { "a CSR, or generated by the platform" } else { "a CSR only" }
    );
    println!("  max active    {}", p.max_active);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }
}

/// `intoss ca ...`: root CA rotation of the data dir.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum CaCmd {
    /// Start a rotation (with intoss serve stopped): a new root, cross-signed by the current
    /// one; ca.pem becomes the bundle of both. Start intoss serve again to apply it.
    Rotate,
    /// End the rotation: ca.pem is the new root alone and the previous root's certificates are
    /// refused after the next restart. Refused while such certificates are active (checked
    /// through the running platform's admin API) unless --force.
    Finish {
        /// Finish even with active certificates of the previous root (they stop working).
        #[arg(long)]
        force: bool,
    },
}

pub(crate) async fn ca(g: &Global, cmd: CaCmd) -> anyhow::Result<ExitCode> {
    let dir = intoss_server::datadir::DataDir::new(g.data_dir());
    match cmd {
        CaCmd::Rotate => {
            // The running platform keeps its CA in memory: leaves it issued after the rotation
            // would be the old root's. Refuse while it answers.
            let running = std::fs::read_to_string(dir.endpoints())
                .ok()
                .and_then(|t| serde_json::from_str::<intoss_proto::api::Endpoints>(&t).ok())
                .is_some_and(|ep| {
                    std::net::TcpStream::connect_timeout(&ep.console, Duration::from_millis(500)).is_ok()
                });
            anyhow::ensure!(
                !running,
                "intoss serve is running on {}: stop it, rotate, start it",
                dir.root().display()
            );
            let (new, old, cross_path) = dir.rotate_ca(time::OffsetDateTime::now_utc())?;
            println!("new root `{new}`, cross-signed by `{old}`");
            if !cross_path {
                println!(
                    "warning: `{old}` allows no intermediate (pathLenConstraint 0, made by an older intoss): \
                     OpenSSL-based clients (curl, Python, Node, Java) that trust only it will not verify the \
                     listeners through the cross-signed root; give them the new ca.pem before restarting"
                );
            }
            println!(
                "ca.pem is now the bundle of both; start intoss serve to apply it, then hand out the new ca.pem"
            );
            println!(
                "finish with `intoss ca finish` once the old root's certificates have expired or been revoked"
            );
        }
        CaCmd::Finish { force } => {
            anyhow::ensure!(
                dir.ca_previous().exists(),
                "no root rotation is in progress in {}",
                dir.root().display()
            );
            if !force {
                let bundle = std::fs::read_to_string(dir.ca_cert())
                    .with_context(|| format!("cannot read {}", dir.ca_cert().display()))?;
                let current = intoss_pki::parse_cert_pem(&bundle)?.common_name.unwrap_or_default();
                let certs = connect(g)?.list_certs(None).await.context(
                    "cannot list the certificates (is intoss serve running?); pass --force to finish without checking",
                )?;
                let old: Vec<String> = certs
                    .certs
                    .iter()
                    .filter(|c| {
                        c.status == intoss_proto::api::admin::CertStatus::Active && c.issuer != current
                    })
                    .map(|c| format!("{} ({}, issued by `{}`)", c.serial, c.app, c.issuer))
                    .collect();
                anyhow::ensure!(
                    old.is_empty(),
                    "{} active certificate(s) of the previous root would stop working: {}; renew and revoke them, or pass --force",
                    old.len(),
                    old.join(", ")
                );
            }
            dir.finish_ca_rotation()?;
            println!("rotation finished: ca.pem is the new root alone; restart intoss serve to apply it");
        }
    }
    Ok(ExitCode::SUCCESS)
}
