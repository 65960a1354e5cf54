//! `intoss firewall`: allow rules from the seeds' IP tables.

use std::process::ExitCode;

/// Arguments of `intoss firewall`.
#[derive(Debug, clap::Args)]
pub(crate) struct FirewallArgs {}

pub(crate) fn run(_args: FirewallArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("intoss firewall is not implemented yet")
}
