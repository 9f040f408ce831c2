//! `faultline classify`: one failure through the chain, labels with provenance.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use faultline_model::{Classification, Outcome};
use faultline_stacktrace::OriginRules;

use crate::ChainArg;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    chain: ChainArg,
    /// The user's job jar: its classes are user code (repeatable).
    #[arg(long = "user-jar", value_name = "JAR")]
    user_jars: Vec<PathBuf>,
    /// A package prefix of user code, e.g. com.acme. (repeatable).
    #[arg(long = "user-package", value_name = "PREFIX")]
    user_packages: Vec<String>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// The failure's job as `CLUSTER/JOB-ID`: picks its canary treatment.
    #[arg(long, value_name = "CLUSTER/JOB")]
    job: Option<String>,
    /// The input is a thread dump of a stuck task (jstack text, Flink's
    /// thread-dump JSON or a stuck sample), classified by `classify-stuck`.
    #[arg(long)]
    stuck: bool,
    /// The input file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    input: PathBuf,
}

/// Input larger than this is refused rather than read into memory.
const MAX_INPUT: u64 = 64 << 20;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = read_input(&args.input)?;
    let mut rules = OriginRules::default();
    for prefix in &args.user_packages {
        rules = rules.with_user_prefix(prefix.clone());
    }
    for jar in &args.user_jars {
        rules.add_user_jar(jar).context("bad --user-jar")?;
    }
    let chain = args.chain.load()?;
    if args.stuck {
        let mut sample = faultline_stacktrace::parse_thread_dump(&bytes, &rules)
            .with_context(|| format!("cannot read a thread dump from {}", args.input.display()))?;
        if let Some(job) = args.job.as_deref() {
            // As for failures: `CLUSTER/JOB-ID` picks the job's canary treatment.
            let (cluster, id) = job.split_once('/').unwrap_or(("", job));
            sample.context.cluster = Some(cluster.to_owned());
            sample.context.job_id = Some(id.to_owned());
        }
        let result = chain.classify_stuck(&sample);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&result)?);
        } else {
            print!("{}", render(&result));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let classifier = faultline_collector::Classifier::new(chain, rules);
    let result = classifier
        .classify_input(&bytes, args.job.as_deref())
        .with_context(|| format!("cannot read a failure from {}", args.input.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", render(&result));
    }
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
        )
    };
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_INPUT {
        bail!("{} is larger than {} MiB", path.display(), MAX_INPUT >> 20);
    }
    Ok(bytes)
}

/// The human form: labels with who set them, then each filter's outcome.
pub fn render(result: &Classification) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let width = result.labels.keys().map(String::len).max().unwrap_or(0);
    for (key, value) in &result.labels {
        let by = result.provenance.get(key).map_or("", String::as_str);
        let _ = writeln!(out, "{key:<width$}  {value}  (by {by})");
    }
    let _ = writeln!(out, "\nfilters (chain {}):", result.chain_version);
    let width = result
        .filters
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0);
    for f in &result.filters {
        let outcome = match &f.outcome {
            Outcome::Ok => match (f.mode, f.canary) {
                (faultline_model::FilterMode::Enforce, _) => "ok".to_owned(),
                (_, Some(true)) => "ok (canary, applied)".to_owned(),
                (mode, _) => {
                    let answer: Vec<String> =
                        f.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("ok ({mode}, not applied: {})", answer.join(" "))
                }
            },
            Outcome::Skipped(reason) => format!("skipped: {reason}"),
            Outcome::NotRun => "not run (chain stopped)".to_owned(),
        };
        let mut line = format!("  {:<width$}  {:<8} {outcome}", f.name, f.version);
        if !f.applied.is_empty() {
            let _ = write!(line, "; set {}", f.applied.join(", "));
        }
        if f.stop {
            line.push_str("; stopped the chain");
        }
        if !f.reason.is_empty() {
            let _ = write!(line, "; {}", f.reason);
        }
        let _ = writeln!(out, "{line}  [{} µs]", f.micros);
    }
    out
}
