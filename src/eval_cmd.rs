//! `faultline eval`: a chain's accuracy on a labeled corpus.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_stacktrace::OriginRules;

use crate::ChainArg;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    chain: ChainArg,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Evaluate only items whose `split` field equals NAME (e.g. `holdout`); items without one are left out.
    #[arg(long, value_name = "NAME")]
    split: Option<String>,
    /// JSON lines with at least `stacktrace` and `blame` (optionally `category`, `source`).
    #[arg(value_name = "CORPUS.jsonl")]
    corpus: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let corpus = std::fs::read_to_string(&args.corpus)
        .with_context(|| format!("cannot read {}", args.corpus.display()))?;
    let chain = args.chain.load()?;
    let report = faultline_eval::evaluate_split(
        &chain,
        &corpus,
        &OriginRules::default(),
        args.split.as_deref(),
    );
    for s in &report.skipped {
        eprintln!(
            "faultline: {}:{}: skipped: {}",
            args.corpus.display(),
            s.line,
            s.error
        );
    }
    if report.n == 0 {
        let what = match &args.split {
            Some(split) => format!("no corpus item of split `{split}`"),
            None => "no corpus item".to_owned(),
        };
        anyhow::bail!(
            "{what} in {} (JSON lines with at least `stacktrace` and `blame`)",
            args.corpus.display()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}
