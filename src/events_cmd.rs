//! `faultline events`: the stored event log as JSON lines, for inspection and export.

use std::io::Write;
use std::process::ExitCode;

use crate::data::DataArg;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// Only events of jobs whose key contains this text.
    #[arg(long)]
    job: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events = args.data.events()?;
    let mut out = std::io::stdout().lock();
    for e in events
        .iter()
        .filter(|e| args.job.as_ref().is_none_or(|j| e.job.contains(j.as_str())))
    {
        serde_json::to_writer(&mut out, e)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}
