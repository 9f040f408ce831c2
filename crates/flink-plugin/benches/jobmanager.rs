//! The JobManager plugin measured on real Flink 2.3 clusters (one run, figures printed,
//! nothing asserted): JobManager RSS without and with the plugin, the time from a failure
//! to its labels, and failover time (a failure to its task RUNNING again, by Flink's own
//! timestamps) without the plugin, with it, and with a hostile (looping, trapping) filter
//! at the head of the chain. `cargo bench -p faultline-flink-plugin --bench jobmanager`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faultline_flink_harness::{FlinkCluster, JobId, Options, RestartStrategy};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(180);
/// Restarts per measured job: each is one failover sample.
const RESTARTS: u32 = 8;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        println!("jobmanager: benchmark");
        return Ok(());
    }
    let work = tempfile::tempdir()?;
    let plugin = work.path().join("faultline");
    let spec = faultline_flink_plugin::PluginSpec {
        flink_lib: faultline_flink_harness::flink_dist()?.lib_dir(),
        native_lib: native_lib()?,
        chain: None,
        output_keys: Vec::new(),
    };
    let config = faultline_flink_plugin::write_plugin(&plugin, &spec)?;
    let cache = work.path().join("wasm-cache");

    println!("== without the plugin");
    let base = measure(options(), None)?;

    println!("== with the plugin (built-in chain)");
    let mut with = options()
        .with_plugin("faultline", &plugin)
        .with_config("faultline.cache-dir", &cache.display().to_string())
        .with_config("faultline.reload-interval", "200 ms");
    for line in &config {
        if let Some((k, v)) = line.split_once(": ") {
            with = with.with_config(k, v);
        }
    }
    let cluster = FlinkCluster::start(with)?;
    wait_for(&cluster, "jobmanager.log", "Faultline chain ready")?;
    let plugged = measure_on(&cluster)?;
    let labelled = label_micros(&cluster)?;

    println!("== with a looping and a trapping filter ahead of the built-in chain");
    let chain = cluster.plugins_dir().join("faultline/chain");
    hostile_chain(&chain)?;
    let version = faultline_jni::chain_version(&chain)?;
    wait_for(&cluster, "jobmanager.out", &format!("to={version}"))?;
    let hostile = measure_on(&cluster)?;
    let all = label_micros(&cluster)?;
    let hostile_labelled = all[labelled.len()..].to_vec();
    drop(cluster);

    println!();
    println!("JobManager RSS after {RESTARTS} restarts of a failing job:");
    println!("  without the plugin      {:>8.1} MiB", base.rss_mib);
    println!("  with the plugin         {:>8.1} MiB", plugged.rss_mib);
    println!("  with the hostile chain  {:>8.1} MiB", hostile.rss_mib);
    println!("Failure → labels inside the JobManager (processFailure to labels, µs):");
    println!("  built-in chain          {}", summary(&labelled));
    println!("  hostile chain           {}", summary(&hostile_labelled));
    println!("Failover: a failure → its task RUNNING again (Flink's timestamps, ms):");
    println!("  without the plugin      {}", summary(&base.failover_ms));
    println!(
        "  with the plugin         {}",
        summary(&plugged.failover_ms)
    );
    println!(
        "  with the hostile chain  {}",
        summary(&hostile.failover_ms)
    );
    Ok(())
}

fn options() -> Options {
    Options::default()
        .with_task_managers(1)
        .with_slots_per_tm(4)
        .with_restart(RestartStrategy::fixed_delay(RESTARTS, Duration::ZERO))
}

/// The native library cargo built for this bench (a dev-dependency), in this profile.
fn native_lib() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let name = faultline_flink_plugin::native_lib_name();
    let dir = exe.parent().ok_or("bench executable without a directory")?;
    for candidate in [dir.join(&name), dir.join("..").join(&name)] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(format!(
        "no {name} near {}: cargo build --release -p faultline-jni",
        exe.display()
    )
    .into())
}

struct Figures {
    rss_mib: f64,
    failover_ms: Vec<f64>,
}

fn measure(options: Options, _: Option<()>) -> Result<Figures> {
    let cluster = FlinkCluster::start(options)?;
    measure_on(&cluster)
}

/// Runs FailingMap through its restarts and reads each failover from Flink's timestamps.
fn measure_on(cluster: &FlinkCluster) -> Result<Figures> {
    let job = cluster.run_job("FailingMap", &[], Some(1))?;
    cluster.wait_for_job_status(&job, "FAILED", WAIT)?;
    let failover_ms = failovers(cluster, &job)?;
    let rss_mib = rss_kib(cluster.jobmanager_pid())? / 1024.0;
    println!("  failovers (ms): {failover_ms:?}; JobManager RSS {rss_mib:.1} MiB");
    Ok(Figures {
        rss_mib,
        failover_ms,
    })
}

/// For each failure but the last: its timestamp to the next attempt's RUNNING.
fn failovers(cluster: &FlinkCluster, job: &JobId) -> Result<Vec<f64>> {
    let deadline = Instant::now() + WAIT;
    let entries = loop {
        let ex = cluster.get_json(&format!("/jobs/{job}/exceptions?maxExceptions=100"))?;
        let entries = ex["exceptionHistory"]["entries"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if entries.len() > RESTARTS as usize || Instant::now() > deadline {
            break entries;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let mut failed: Vec<i64> = entries
        .iter()
        .filter_map(|e| e["timestamp"].as_i64())
        .collect();
    failed.sort_unstable();
    let details = cluster.get_json(&format!("/jobs/{job}"))?;
    let vid = details["vertices"][0]["id"]
        .as_str()
        .ok_or("job without vertices")?
        .to_owned();
    let mut out = Vec::new();
    for (attempt, at) in failed
        .iter()
        .enumerate()
        .take(failed.len().saturating_sub(1))
    {
        let a = cluster.get_json(&format!(
            "/jobs/{job}/vertices/{vid}/subtasks/0/attempts/{}",
            attempt + 1
        ))?;
        if let Some(running) = running_at(&a) {
            out.push((running - at) as f64);
        }
    }
    Ok(out)
}

/// When an attempt entered RUNNING: its start (DEPLOYING) plus its DEPLOYING and
/// INITIALIZING durations, or `timestamps.RUNNING` where Flink gives it.
fn running_at(attempt: &Value) -> Option<i64> {
    if let Some(t) = attempt["timestamps"]["RUNNING"].as_i64().filter(|t| *t > 0) {
        return Some(t);
    }
    let start = attempt["start-time"].as_i64()?;
    let d = &attempt["status-duration"];
    let ms = |k: &str| d[k].as_i64().unwrap_or(0).max(0);
    Some(start + ms("DEPLOYING") + ms("INITIALIZING"))
}

fn rss_kib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .ok_or("bad VmRSS")?)
}

/// The enricher's own figure per failure: `labelled a failure of job .. in N us`.
fn label_micros(cluster: &FlinkCluster) -> Result<Vec<f64>> {
    let log = std::fs::read_to_string(cluster.log_dir().join("jobmanager.log"))?;
    Ok(log
        .lines()
        .filter_map(|l| l.split_once("Faultline labelled a failure of job "))
        .filter_map(|(_, rest)| rest.split_once(" in ")?.1.split_once(" us")?.0.parse().ok())
        .collect())
}

fn wait_for(cluster: &FlinkCluster, file: &str, needle: &str) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    let path = cluster.log_dir().join(file);
    while Instant::now() < deadline {
        if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle)) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("no `{needle}` in {}", path.display()).into())
}

/// Loop and trap filters ahead of the built-in chain, written into `dir`.
fn hostile_chain(dir: &Path) -> Result<()> {
    let builtin = tempfile::tempdir()?;
    faultline_builtin::export(builtin.path())?;
    let mut head = String::new();
    for (name, path) in [
        ("loop", faultline_test_filters::LOOP),
        ("trap", faultline_test_filters::TRAP),
    ] {
        std::fs::copy(path, dir.join(format!("{name}.wasm")))?;
        head.push_str(&format!(
            "[[filter]]\nname = \"{name}\"\npath = \"{name}.wasm\"\nversion = \"1\"\n\n"
        ));
    }
    let manifest = std::fs::read_to_string(builtin.path().join("chain.toml"))?;
    let (defaults, filters) = manifest
        .split_once("[[filter]]")
        .ok_or("built-in chain without filters")?;
    let tmp = dir.join(".chain.toml.tmp");
    std::fs::write(&tmp, format!("{defaults}\n{head}[[filter]]{filters}"))?;
    std::fs::rename(&tmp, dir.join("chain.toml"))?;
    Ok(())
}

fn summary(v: &[f64]) -> String {
    if v.is_empty() {
        return "no samples".into();
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let median = s[s.len() / 2];
    format!(
        "median {median:.0}, min {:.0}, max {:.0} (n={})",
        s[0],
        s[s.len() - 1],
        s.len()
    )
}
