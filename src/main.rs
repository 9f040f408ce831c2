//! `faultline`: why was the Flink job down, for how long, in which stage,
//! and whose fault was it. A thin command line over the library crates.

mod chain_cmd;
mod classify_cmd;
mod data;
mod eval_cmd;
mod events_cmd;
mod flink_plugin_cmd;
mod replay_cmd;
mod report_cmd;
mod rollout_cmd;
mod serve_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "faultline",
    version,
    about = "Classifies Flink failures and accounts job downtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Classify one failure (a Java stack trace, a Flink exception-history entry or a record as JSON).
    Classify(classify_cmd::Args),
    /// Measure a chain's accuracy on a labeled corpus (JSON lines).
    Eval(eval_cmd::Args),
    /// Inspect or export a classifier chain.
    #[command(subcommand)]
    Chain(chain_cmd::Command),
    /// Availability and down time by blame and category, from the stored events.
    Report(report_cmd::Args),
    /// Re-attribute the stored history with a chain and show what changes.
    Replay(replay_cmd::Args),
    /// How shadow and canary filters compare with the enforced answer on live failures.
    Rollout(rollout_cmd::Args),
    /// Watch Flink clusters and serve the ledger over a REST API.
    Serve(serve_cmd::Args),
    /// Print the stored event log as JSON lines.
    Events(events_cmd::Args),
    /// Write a Flink JobManager plugin folder (enricher jar, native library, chain) and print its config.
    FlinkPlugin(flink_plugin_cmd::Args),
}

/// Where the chain comes from: a directory (or manifest) or the built-in default.
#[derive(clap::Args, Clone)]
pub struct ChainArg {
    /// Chain directory with a chain.toml (or the manifest file); the built-in chain when absent.
    #[arg(long, value_name = "DIR")]
    pub chain: Option<PathBuf>,
}

impl ChainArg {
    /// Where the chain comes from.
    pub fn source(&self) -> faultline_live::ChainSource {
        match &self.chain {
            Some(dir) => faultline_live::ChainSource::Path(dir.clone()),
            None => faultline_live::ChainSource::BuiltIn,
        }
    }

    /// Starts an engine and loads the chosen chain, refusing it when a filter cannot
    /// load (as a reload in `serve` would).
    pub fn load(&self) -> anyhow::Result<faultline_engine::Chain> {
        let engine = faultline_engine::Engine::with_defaults()?;
        faultline_live::validate(&engine, &self.source()).map_err(|e| self.error(e))
    }

    /// The chosen chain, live: `serve` reloads it when its files change.
    pub fn live(&self) -> anyhow::Result<std::sync::Arc<faultline_live::LiveChain>> {
        let engine = faultline_engine::Engine::with_defaults()?;
        faultline_live::LiveChain::open(engine, self.source()).map_err(|e| self.error(e))
    }

    fn error(&self, e: faultline_live::LoadError) -> anyhow::Error {
        match &self.chain {
            Some(dir) => anyhow::anyhow!("cannot load chain {}: {e}", dir.display()),
            None => anyhow::anyhow!("cannot load the built-in chain: {e}"),
        }
    }
}

/// A command printing into a closed pipe (`faultline events | head`) ends quietly, as
/// Unix tools do, instead of failing on the write. Not for `serve`, whose sockets must
/// never end the process.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAULTLINE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        quiet_on_closed_pipe();
    }
    let result = match cli.command {
        Command::Classify(args) => classify_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Chain(cmd) => chain_cmd::run(cmd),
        Command::Report(args) => report_cmd::run(args),
        Command::Replay(args) => replay_cmd::run(args),
        Command::Rollout(args) => rollout_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Events(args) => events_cmd::run(args),
        Command::FlinkPlugin(args) => flink_plugin_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("faultline: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
