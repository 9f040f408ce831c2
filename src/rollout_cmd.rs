//! `faultline rollout`: shadow and canary filters measured against the enforced answer
//! on the stored live failures — what a provider reads before promoting a filter.

use std::process::ExitCode;

use faultline_ledger::rollout::{Rollout, RolloutReport};
use faultline_ledger::stage::human;
use faultline_ledger::{Ledger, LedgerConfig};

use crate::data::{DataArg, parse_duration};
use crate::report_cmd::iso;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// How far back from the newest event: 7d, 12h, 90m, ...
    #[arg(long, default_value = "7d", value_parser = parse_duration)]
    window: i64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events = args.data.events()?;
    let newest = events.iter().map(|e| e.at).max().unwrap_or(0);
    let mut ledger = Ledger::new(LedgerConfig {
        max_incidents: usize::MAX,
        ..LedgerConfig::default()
    });
    let mut rollout = Rollout::with_capacity(usize::MAX);
    for e in events {
        rollout.observe(&e);
        ledger.ingest(e);
    }
    ledger.flush();
    let report = rollout.report(&ledger, newest.saturating_sub(args.window));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(ExitCode::SUCCESS)
}

/// The report as text: one block per candidate filter.
fn render(r: &RolloutReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if r.filters.is_empty() {
        let _ = writeln!(
            out,
            "no shadow or canary filter saw a failure since {} ({} failures)",
            iso(r.from),
            r.failures
        );
        return out;
    }
    let h = |s: f64| human((s * 1000.0) as i64);
    for f in &r.filters {
        let _ = writeln!(
            out,
            "{} ({}, version {}): saw {} failures, answered {}, agreed {} ({:.1}%), category too {}",
            f.name,
            f.mode,
            f.versions.join(", "),
            f.seen,
            f.answered,
            f.agreed,
            f.agreement * 100.0,
            f.category_agreed
        );
        if f.mode == "canary" {
            let _ = writeln!(
                out,
                "  applied to {} failures (jobs in its share)",
                f.applied
            );
        }
        if !f.errors.is_empty() {
            let errors: Vec<String> = f.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(out, "  errors: {}", errors.join(", "));
        }
        let _ = writeln!(
            out,
            "  cost: p50 {} µs, p99 {} µs",
            f.p50_micros, f.p99_micros
        );
        if !f.confusion.is_empty() {
            let _ = writeln!(out, "  blame: candidate -> enforced");
            for (candidate, row) in &f.confusion {
                let cells: Vec<String> = row.iter().map(|(e, n)| format!("{e} {n}")).collect();
                let _ = writeln!(out, "    {candidate:<11} {}", cells.join(", "));
            }
        }
        if !f.disagreements.is_empty() {
            let _ = writeln!(
                out,
                "  disagreements ({} down at stake):",
                h(f.downtime_at_stake_seconds)
            );
            for d in &f.disagreements {
                let _ = writeln!(
                    out,
                    "    {} {} {:>9}  candidate {} vs enforced {}{}",
                    d.job,
                    iso(d.at),
                    h(d.downtime_seconds),
                    d.candidate,
                    d.enforced,
                    if d.applied { " (applied)" } else { "" }
                );
            }
        }
        out.push('\n');
    }
    out
}
