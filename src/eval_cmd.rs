//! `faultline eval`: a chain's accuracy on a labeled corpus.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use faultline_stacktrace::OriginRules;

use crate::ChainArg;

#[derive(Clone, Copy, clap::ValueEnum)]
enum SplitBy {
    Field,
    Source,
}

impl From<SplitBy> for faultline_eval::SplitBy {
    fn from(by: SplitBy) -> Self {
        match by {
            SplitBy::Field => Self::Field,
            SplitBy::Source => Self::Source,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    chain: ChainArg,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Evaluate only items of split NAME (`tune` or `holdout`); items in no split are left out.
    #[arg(long, value_name = "NAME")]
    split: Option<String>,
    /// How items are assigned to splits: `field` (the item's `split` field) or
    /// `source` (a hash of the item's source group, so no source is on both
    /// sides; see docs/accuracy.md).
    #[arg(long, value_enum, default_value_t = SplitBy::Field, requires = "split")]
    split_by: SplitBy,
    /// JSON lines with at least `stacktrace` and `blame` (optionally `category`, `source`).
    #[arg(value_name = "CORPUS.jsonl")]
    corpus: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let corpus = std::fs::read_to_string(&args.corpus)
        .with_context(|| format!("cannot read {}", args.corpus.display()))?;
    let chain = args.chain.load()?;
    let report = faultline_eval::evaluate_split_by(
        &chain,
        &corpus,
        &OriginRules::default(),
        args.split.as_deref(),
        args.split_by.into(),
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
            Some(split) => match args.split_by {
                SplitBy::Field => format!("no corpus item of split `{split}`"),
                SplitBy::Source => format!("no corpus item of split `{split}` by source"),
            },
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
