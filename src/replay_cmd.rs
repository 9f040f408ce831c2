//! `faultline replay`: the stored history re-attributed with a (new) chain.

use std::process::ExitCode;

use faultline_collector::Classifier;
use faultline_ledger::LedgerConfig;
use faultline_ledger::stage::human;
use faultline_stacktrace::OriginRules;

use crate::ChainArg;
use crate::data::DataArg;
use crate::report_cmd::iso;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    #[command(flatten)]
    chain: ChainArg,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events = args.data.events()?;
    let chain = args.chain.load()?;
    let version = chain.version().to_owned();
    let classifier = Classifier::new(chain, OriginRules::default());
    let mut unparsable = 0;
    let (_, diff) = faultline_ledger::replay::replay(events, &LedgerConfig::default(), |job, f| {
        if !classifier.reclassify(job, f) {
            unparsable += 1;
        }
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&diff)?);
        return Ok(ExitCode::SUCCESS);
    }
    let h = |s: f64| human((s * 1000.0) as i64);
    println!(
        "replayed {} events, re-classified {} failures with chain {version}",
        diff.events, diff.failures
    );
    if !diff.classified_by.is_empty() {
        let by: Vec<String> = diff
            .classified_by
            .iter()
            .map(|(v, n)| format!("{v} ({n})"))
            .collect();
        println!("stored labels came from chain {}", by.join(", "));
    }
    if unparsable > 0 {
        println!(
            "({unparsable} failures kept their old labels: their stack trace could not be parsed)"
        );
    }
    println!("\ndown time by blame    before      after");
    for (blame, before) in &diff.before {
        let after = diff.after.get(blame).copied().unwrap_or(0.0);
        let mark = if (after - before).abs() > 0.0005 {
            "  *"
        } else {
            ""
        };
        println!("  {blame:<12} {:>10} {:>10}{mark}", h(*before), h(after));
    }
    if diff.moved.is_empty() {
        println!("\nno down time changes blame");
    } else {
        println!("\ndown time moved:");
        for (m, s) in &diff.moved {
            println!("  {m:<30} {:>10}", h(*s));
        }
    }
    if !diff.changed.is_empty() {
        println!("\nincidents whose blame or category changed:");
        for c in &diff.changed {
            let from = if c.chain_before.is_empty() {
                "unversioned"
            } else {
                &c.chain_before
            };
            println!(
                "  {} #{:<4} {}  {:>9}  {} [{from}] -> {} [{}]",
                c.job,
                c.incident,
                iso(c.start),
                h(c.downtime),
                c.before,
                c.after,
                c.chain_after
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
