//! `intoss`: run the platform (`serve`) and operate it (`app`, `cert`).
//!
//! The binary only parses arguments, calls the library crates and prints. Errors are printed
//! with their cause chain and exit with status 1; usage errors exit with 2.

use std::process::ExitCode;

use clap::Parser;

mod admin_cmds;
mod args;
mod call;
mod doctor;
mod event_cmds;
mod fault_cmds;
mod firewall;
mod login_cmds;
mod message_cmds;
mod output;
mod pay_cmds;
mod promotion_cmds;
mod renew_cmds;
mod sandbox_cmds;

// malloc/free were ~18 % of the instructions of a gateway request with glibc's allocator
// (callgrind, docs/performance.md); mimalloc's thread-local free lists cut that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let filter = tracing_subscriber::EnvFilter::try_from_env("INTOSS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: args::Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        args::Command::Serve(s) => serve(&cli.global, s).await,
        args::Command::Migrate { config } => migrate(&cli.global, config.as_deref()).await,
        args::Command::App(cmd) => admin_cmds::app(&cli.global, cmd).await,
        args::Command::Cert(cmd) => admin_cmds::cert(&cli.global, cmd).await,
        args::Command::Fault(cmd) => fault_cmds::fault(&cli.global, cmd).await,
        args::Command::Logs(cmd) => fault_cmds::logs(&cli.global, cmd).await,
        args::Command::Clock(cmd) => sandbox_cmds::clock(&cli.global, cmd).await,
        args::Command::Sandbox(cmd) => sandbox_cmds::sandbox(&cli.global, cmd).await,
        args::Command::Ca(cmd) => renew_cmds::ca(&cli.global, cmd).await,
        args::Command::Idv(cmd) => admin_cmds::idv(&cli.global, cmd).await,
        args::Command::User(cmd) => login_cmds::user(&cli.global, cmd).await,
        args::Command::Sim(cmd) => login_cmds::sim(&cli.global, cmd).await,
        args::Command::Webhook(cmd) => event_cmds::webhook(&cli.global, cmd).await,
        args::Command::Trigger { event_type, app, json } => {
            event_cmds::trigger(&cli.global, &app, &event_type, json).await
        }
        args::Command::Listen { app, forward_to, events } => {
            event_cmds::listen(&cli.global, &app, &forward_to, events).await
        }
        args::Command::Call(a) => call::run(a).await,
        args::Command::Doctor(a) => doctor::run(a).await,
        args::Command::Firewall(a) => firewall::run(a),
    }
}

async fn serve(global: &args::Global, s: args::Serve) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let config = match &s.config {
        Some(path) => intoss_server::Config::load(path)?,
        None => intoss_server::Config::default(),
    }
    .with_listen(s.gateway, s.cert, s.console);
    let data_dir = global.data_dir();
    let running =
        intoss_server::start(data_dir.clone(), config).await.context("intoss serve could not start")?;
    print!("{}", intoss_server::ready_message(&running.endpoints, &intoss_server::DataDir::new(data_dir)));
    wait_for_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(global: &args::Global, config: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let config = match config {
        Some(path) => intoss_server::Config::load(path)?,
        None => intoss_server::Config::default(),
    };
    let dir = intoss_server::DataDir::new(global.data_dir());
    let store = intoss_server::open_store(&dir, config.storage.as_ref()).await?;
    store.close().await;
    println!("schema up to date");
    Ok(ExitCode::SUCCESS)
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
    else {
        // Without signal handlers, fall back to Ctrl-C only.
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
