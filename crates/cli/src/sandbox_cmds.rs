//! Sandbox state and time through the admin API: `intoss clock advance|show|reset` (an app's
//! test clock) and `intoss sandbox export|import|reset|test-mode`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use intoss_proto::api::sandbox::{AppSandbox, SandboxState};

use crate::admin_cmds::connect;
use crate::args::Global;

#[derive(Debug, Subcommand)]
pub(crate) enum ClockCmd {
    /// Move an app's clock ahead: its codes, tokens, payments, promotion keys and identity
    /// verifications expire by it, and its certificates' expiry warnings come by it.
    Advance {
        #[arg(long)]
        app: String,
        /// How far: 8d, 36h, 90m, 45s, 1d12h (or seconds).
        by: String,
    },
    /// An app's clock.
    Show {
        #[arg(long)]
        app: String,
    },
    /// Put an app's clock back to wall-clock time.
    Reset {
        #[arg(long)]
        app: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCmd {
    /// Write the sandbox state (every app's, or --app's and the shared users) to FILE as JSON
    /// (`-` for standard output). Never a private key, a certificate or a secret.
    Export {
        file: PathBuf,
        #[arg(long)]
        app: Option<String>,
    },
    /// Read an exported state into this platform, all or none; its apps must not exist yet.
    Import { file: PathBuf },
    /// Empty an app's sandbox state (users' links and tokens, payments, orders, products,
    /// templates, messages, promotions, faults, journal; the clock goes back), then write its
    /// part of the seed again. The app and its certificates stay.
    Reset {
        #[arg(long)]
        app: String,
    },
    /// Turn an app's test mode on or off (X-Intoss-Fault; journal bodies, masked).
    TestMode {
        #[arg(long)]
        app: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

fn show(s: &AppSandbox) {
    let days = s.clock_offset_secs as f64 / 86_400.0;
    println!(
        "{}: clock {} ({} s ahead, {days:.2} days), test mode {}",
        s.app,
        s.now,
        s.clock_offset_secs,
        if s.test_mode { "on" } else { "off" }
    );
}

pub(crate) async fn clock(g: &Global, cmd: ClockCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    let s = match cmd {
        ClockCmd::Advance { app, by } => client.advance_clock(&app, &by).await?,
        ClockCmd::Show { app } => client.sandbox(&app).await?,
        ClockCmd::Reset { app } => client.reset_clock(&app).await?,
    };
    show(&s);
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn sandbox(g: &Global, cmd: SandboxCmd) -> anyhow::Result<ExitCode> {
    let client = connect(g)?;
    match cmd {
        SandboxCmd::Export { file, app } => {
            let state = client.export_state(app.as_deref()).await?;
            let text = serde_json::to_string_pretty(&state)? + "\n";
            if file.as_os_str() == "-" {
                print!("{text}");
            } else {
                std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
                let rows: usize = state.tables.iter().map(|t| t.rows.len()).sum();
                eprintln!("exported {} app(s), {rows} rows to {}", state.apps.len(), file.display());
            }
        }
        SandboxCmd::Import { file } => {
            let text =
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let state: SandboxState = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an exported state", file.display()))?;
            let done = client.import_state(&state).await?;
            println!("imported {} row(s): apps {}", done.rows, done.apps.join(", "));
            println!("issue each app a certificate here (intoss cert issue): certificates are not exported");
        }
        SandboxCmd::Reset { app } => {
            let done = client.reset_app(&app).await?;
            println!(
                "reset {}: {} row(s) removed, {} seed entr(ies) written again",
                done.app, done.removed, done.reseeded
            );
        }
        SandboxCmd::TestMode { app, state } => show(&client.set_test_mode(&app, state == "on").await?),
    }
    Ok(ExitCode::SUCCESS)
}
