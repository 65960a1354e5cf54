//! `intoss cert renew`: a certificate renews itself over mTLS (partner side, no admin token),
//! once or as a daemon; and `intoss app renewal`: an app's renewal policy (admin API).
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
