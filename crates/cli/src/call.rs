//! `intoss call`: one mTLS request, the envelope pretty-printed.

use std::process::ExitCode;

/// Arguments of `intoss call`.
#[derive(Debug, clap::Args)]
pub(crate) struct CallArgs {}

pub(crate) async fn run(_args: CallArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("intoss call is not implemented yet")
}
