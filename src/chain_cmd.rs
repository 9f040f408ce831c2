//! `faultline chain`: check a chain, or export the built-in one to start your own.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::ChainArg;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Load a chain and list its filters; exits non-zero when a filter cannot load.
    Check {
        #[command(flatten)]
        chain: ChainArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the built-in chain (manifest and components) to DIR.
    Export {
        /// Target directory.
        dir: PathBuf,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Check { chain, json } => {
            let chain = chain.load()?;
            let (filters, problems) = (chain.filters(), chain.problems());
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "filters": filters, "problems": problems })
                );
            } else {
                for f in &filters {
                    let state = if f.loaded { "loaded" } else { "UNAVAILABLE" };
                    println!(
                        "{:<24} {:<8} {:<7?} on-error={:<6} {state}",
                        f.name, f.version, f.mode, f.on_error
                    );
                }
                for p in &problems {
                    eprintln!("faultline: filter {}: {}", p.filter, p.message);
                }
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export { dir } => {
            faultline_builtin::export(&dir)
                .with_context(|| format!("cannot write {}", dir.display()))?;
            println!("wrote the built-in chain to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
