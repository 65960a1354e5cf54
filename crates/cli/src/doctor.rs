//! `intoss doctor`: a checklist for a partner's mTLS set-up.

use std::process::ExitCode;

/// Arguments of `intoss doctor`.
#[derive(Debug, clap::Args)]
pub(crate) struct DoctorArgs {}

pub(crate) async fn run(_args: DoctorArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("intoss doctor is not implemented yet")
}
