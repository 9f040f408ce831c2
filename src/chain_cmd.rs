//! `faultline chain`: check a chain, or export the built-in one to start your own.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::ChainArg;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Load a chain as a reload would and list its filters; exits non-zero when a filter cannot load.
    Check {
        #[command(flatten)]
        chain: ChainArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the built-in chain (manifest and components) to DIR.
    Export {
        /// Target directory (created; refused when it exists and is not empty).
        dir: PathBuf,
        /// Write into a directory that is not empty, replacing the chain's files.
        #[arg(long)]
        force: bool,
    },
}

/// Filters whose `blame` and `category` can never apply: enforcing filters without
/// `overwrite` placed after the built-in `fallback`, which always sets both.
fn shadowed(filters: &[faultline_engine::FilterInfo]) -> Vec<String> {
    let Some(fallback) = filters.iter().position(|f| {
        (f.builtin.as_deref() == Some("fallback") || f.name == "fallback")
            && f.mode == faultline_model::FilterMode::Enforce
    }) else {
        return Vec::new();
    };
    filters[fallback + 1..]
        .iter()
        .filter(|f| f.mode != faultline_model::FilterMode::Shadow && !f.overwrite)
        .map(|f| {
            format!(
                "filter {} comes after the built-in `fallback`, which always sets blame and category: \
                 its blame and category never apply (move it before `fallback`, or set overwrite = true)",
                f.name
            )
        })
        .collect()
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Check { chain: arg, json } => {
            // The whole chain is loaded to list every problem; it passes exactly when a
            // reload would take it (every filter loads).
            let engine = faultline_engine::Engine::with_defaults()?;
            let chain = match &arg.chain {
                Some(dir) => faultline_engine::Chain::load_with(
                    &engine,
                    dir,
                    Some(&faultline_builtin::builtins()),
                )
                .with_context(|| format!("cannot load chain {}", dir.display()))?,
                None => {
                    faultline_builtin::chain(&engine).context("cannot load the built-in chain")?
                }
            };
            let (filters, problems) = (chain.filters(), chain.problems());
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "version": chain.version(), "filters": filters, "problems": problems })
                );
            } else {
                println!("chain {}", chain.version());
                for f in &filters {
                    let state = if f.loaded { "loaded" } else { "UNAVAILABLE" };
                    let mode = match f.canary_percent {
                        Some(p) => format!("canary {p}%"),
                        None => f.mode.to_string(),
                    };
                    println!(
                        "{:<24} {:<8} {:<12} on-error={:<6} {state}",
                        f.name, f.version, mode, f.on_error
                    );
                }
                for p in &problems {
                    eprintln!("faultline: filter {}: {}", p.filter, p.message);
                }
                for w in shadowed(&filters) {
                    eprintln!("faultline: warning: {w}");
                }
            }
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Export { dir, force } => {
            let occupied = std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some());
            if occupied && !force {
                anyhow::bail!(
                    "{} exists and is not empty; pick a new directory or pass --force to overwrite its chain",
                    dir.display()
                );
            }
            faultline_builtin::export(&dir)
                .with_context(|| format!("cannot write {}", dir.display()))?;
            println!("wrote the built-in chain to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
