//! `faultline report`: availability and down time by blame from the stored events.

use std::process::ExitCode;

use faultline_ledger::sla::{Objectives, SlaCollector, Window};
use faultline_ledger::{Ledger, LedgerConfig, Span};

use crate::data::{DataArg, parse_duration};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArg,
    /// How far back from the newest event: 30d, 12h, 90m, ...
    #[arg(long, default_value = "30d", value_parser = parse_duration)]
    window: i64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Availability objective per blame for the error budgets, e.g. `system=99.95` (percent; repeatable; default 99.9 for every blame).
    #[arg(long, value_name = "BLAME=PERCENT", value_parser = parse_objective)]
    objective: Vec<(faultline_model::Blame, f64)>,
}

fn parse_objective(text: &str) -> Result<(faultline_model::Blame, f64), String> {
    let (b, p) = text
        .split_once('=')
        .ok_or("expected BLAME=PERCENT, e.g. system=99.95")?;
    let blame =
        faultline_model::Blame::parse(b.trim()).ok_or_else(|| format!("unknown blame `{b}`"))?;
    let pct: f64 = p
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{p}` is not a percentage"))?;
    if !(0.0..=100.0).contains(&pct) {
        return Err(format!("{pct} is not between 0 and 100"));
    }
    Ok((blame, pct / 100.0))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events = args.data.events()?;
    let newest = events.iter().map(|e| e.at).max().unwrap_or(0);
    let window = Window {
        from: newest.saturating_sub(args.window),
        to: newest,
    };
    let mut ledger = Ledger::new(LedgerConfig::default());
    let mut sla = SlaCollector::new(window);
    let mut sink = |s: &Span<'_>| sla.add(s);
    for e in events {
        ledger.ingest_with(e, &mut sink);
    }
    ledger.finish_with(&mut sink);
    let mut objectives = Objectives::default();
    for (b, o) in args.objective {
        objectives.0.insert(b, o);
    }
    let report = sla.report(&ledger, &objectives);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => print!("{}", report.to_csv()),
        Format::Table => {
            println!(
                "window: {} to {} (newest event), {} jobs\n",
                iso(window.from),
                iso(window.to),
                report.jobs.len()
            );
            print!("{}", report.to_table());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Milliseconds since the epoch as UTC `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
