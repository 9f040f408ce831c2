//! Faultline inside the Flink JobManager: the plugin folder `faultline flink-plugin`
//! writes, installed in a real Flink 2.3 cluster the README's way (copied into
//! `plugins/`, the printed lines added to `config.yaml`). One cluster serves every case:
//! failures of user code, of Kryo on a user type, of a refused connection and of a
//! SIGKILLed TaskManager get Flink failure labels from the chain; a chain swapped in
//! without restarting Flink (with a looping and a trapping filter) labels the next
//! failures, and the job still restarts on schedule; `faultline serve` takes the
//! embedded labels as they are.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::Serve;
use faultline_flink_harness::{FlinkCluster, JobId, Options, RestartStrategy};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(120);

/// Runs `faultline flink-plugin DIR` and returns the printed `config.yaml` entries.
fn write_plugin(dir: &Path, extra: &[&str]) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("flink-plugin")
        .arg(dir)
        .args(extra)
        .output()
        .expect("run faultline flink-plugin");
    assert!(
        out.status.success(),
        "faultline flink-plugin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    stdout
        .lines()
        .map(|l| {
            let (k, v) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("not `key: value`: {l}"));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The compile cache shared with the other end-to-end tests.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache")
}

/// The job's exception-history entries (newest first), each as (failure labels, entry).
fn exceptions(cluster: &FlinkCluster, job: &JobId) -> Vec<(BTreeMap<String, String>, Value)> {
    let v = cluster
        .get_json(&format!(
            "/jobs/{}/exceptions?maxExceptions=50",
            job.as_str()
        ))
        .expect("exceptions");
    v["exceptionHistory"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let labels = e["failureLabels"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            (labels, e)
        })
        .collect()
}

/// Waits until the job's history holds `n` entries and returns them (oldest first).
fn wait_exceptions(
    cluster: &FlinkCluster,
    job: &JobId,
    n: usize,
    what: &str,
) -> Vec<(BTreeMap<String, String>, Value)> {
    let deadline = Instant::now() + WAIT;
    loop {
        let mut entries = exceptions(cluster, job);
        if entries.len() >= n {
            entries.reverse();
            return entries;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: {} exception entries, wanted {n}:\n{}",
            entries.len(),
            cluster.jobmanager_log_tail(60)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Asserts the labels of `entry` (blame, category, chain version; `extra` keys too).
fn assert_labels(
    what: &str,
    labels: &BTreeMap<String, String>,
    blame: &str,
    category: &str,
    version: &str,
    extra: &[(&str, &str)],
) {
    let get = |k: &str| labels.get(k).map(String::as_str);
    assert_eq!(get("blame"), Some(blame), "{what}: {labels:?}");
    assert_eq!(get("category"), Some(category), "{what}: {labels:?}");
    assert_eq!(get("chain-version"), Some(version), "{what}: {labels:?}");
    for (k, v) in extra {
        assert_eq!(get(k), Some(*v), "{what}: {labels:?}");
    }
}

/// Asserts the labels of a failed job's history (oldest first). The failure that ended
/// the job is checked only when it has labels: Flink archives a terminal job's graph at
/// once, and labels that arrive after that (milliseconds later) stay out of its REST view.
fn assert_history(
    what: &str,
    entries: &[(BTreeMap<String, String>, Value)],
    blame: &str,
    category: &str,
    version: &str,
    extra: &[(&str, &str)],
) {
    let (last, earlier) = entries.split_last().expect("entries");
    assert!(!earlier.is_empty(), "{what}: only one failure");
    for (labels, _) in earlier {
        assert_labels(what, labels, blame, category, version, extra);
    }
    if !last.0.is_empty() {
        assert_labels(what, &last.0, blame, category, version, extra);
    }
}

/// Waits for a line in a JobManager log file: `jobmanager.log` (Java's), `jobmanager.out`
/// (stderr, where the native library logs).
fn wait_jm_log(cluster: &FlinkCluster, file: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let log = cluster.log_dir().join(file);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text.lines().find(|l| l.contains(needle)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no `{needle}` in the JobManager log:\n{}",
            cluster.jobmanager_log_tail(80)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Writes a chain: `hostile` (loop and trap) first, then a fixed filter answering
/// `team=<team>`, then the built-in filters; components first, manifest last, so the
/// JobManager's watcher never loads a manifest naming a missing file.
fn write_chain(dir: &Path, builtin: &Path, team: &str) {
    let mut manifest = String::new();
    for (name, path) in [
        ("loop", faultline_test_filters::LOOP),
        ("trap", faultline_test_filters::TRAP),
        ("fixed", faultline_test_filters::FIXED),
    ] {
        std::fs::copy(path, dir.join(format!("{name}.wasm"))).expect("copy filter");
        manifest.push_str(&format!(
            "[[filter]]\nname = \"{name}\"\npath = \"{name}.wasm\"\nversion = \"1\"\n"
        ));
        if name == "fixed" {
            manifest.push_str(&format!("[filter.config.labels]\nteam = \"{team}\"\n"));
        }
    }
    let builtin_manifest = std::fs::read_to_string(builtin.join("chain.toml")).expect("built-in");
    for entry in std::fs::read_dir(builtin).expect("built-in chain") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wasm") {
            std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    // `[defaults]` must come before the first `[[filter]]`: keep the built-in's at the top.
    let (defaults, filters) = builtin_manifest
        .split_once("[[filter]]")
        .expect("built-in filters");
    let text = format!("{defaults}\n{manifest}\n[[filter]]{filters}");
    let tmp = dir.join(".chain.toml.tmp");
    std::fs::write(&tmp, text).expect("write manifest");
    std::fs::rename(&tmp, dir.join("chain.toml")).expect("publish manifest");
}

/// Seconds between consecutive failures of a restarting job, by Flink's timestamps.
fn gaps(entries: &[(BTreeMap<String, String>, Value)]) -> Vec<f64> {
    let times: Vec<i64> = entries
        .iter()
        .map(|(_, e)| e["timestamp"].as_i64().expect("timestamp"))
        .collect();
    times
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / 1000.0)
        .collect()
}

#[test]
fn the_jobmanager_plugin_labels_failures_in_flink() {
    let work = tempfile::tempdir().expect("work dir");
    let plugin = work.path().join("faultline");
    let config = write_plugin(&plugin, &["--output-key", "team"]);
    assert!(
        config
            .iter()
            .any(|(k, v)| k == "jobmanager.failure-enrichers" && v.contains("Faultline")),
        "{config:?}"
    );
    for file in [
        "faultline-flink-plugin.jar",
        "libfaultline_jni.so",
        "chain/chain.toml",
    ] {
        assert!(plugin.join(file).is_file(), "{file} in the plugin folder");
    }
    let builtin_version = faultline_jni::chain_version(&plugin.join("chain")).expect("version");

    let restart_delay = Duration::from_secs(1);
    let mut options = Options::default()
        .with_task_managers(1)
        .with_slots_per_tm(8)
        .with_restart(RestartStrategy::fixed_delay(2, restart_delay))
        .with_plugin("faultline", &plugin)
        .with_config("faultline.cache-dir", &cache_dir().display().to_string())
        .with_config("faultline.reload-interval", "300 ms");
    for (k, v) in &config {
        options = options.with_config(k, v);
    }
    let cluster = FlinkCluster::start(options).expect("flink");
    let ready = wait_jm_log(&cluster, "jobmanager.log", "Faultline chain ready");
    assert!(ready.contains(&builtin_version), "{ready}");
    let jm = cluster.jobmanager_pid();
    let data = tempfile::tempdir().expect("data dir");
    let serve = Serve::start(cluster.rest_url(), data.path(), &[]);

    // Failures the built-in chain tells apart, labelled inside Flink.
    let steady = cluster.run_job("Steady", &[], Some(1)).expect("steady");
    let cases = [
        ("FailingMap", "user", "user-code"),
        ("KryoUnmodifiable", "user", "serialization"),
        ("ClosedPort", "dependency", "connection-refused"),
    ];
    let mut failed = Vec::new();
    for (class, blame, category) in cases {
        failed.push((
            class,
            blame,
            category,
            cluster.run_job(class, &[], Some(1)).expect(class),
        ));
    }
    for (class, blame, category, job) in &failed {
        cluster
            .wait_for_job_status(job, "FAILED", WAIT)
            .unwrap_or_else(|e| panic!("{class}: {e}"));
        let entries = wait_exceptions(&cluster, job, 3, class);
        assert_history(class, &entries, blame, category, &builtin_version, &[]);
    }

    // A TaskManager killed with SIGKILL: the platform's.
    cluster
        .wait_for_tasks_running(&steady, WAIT)
        .expect("steady runs");
    cluster.start_task_manager().expect("second TaskManager");
    cluster
        .wait_for_task_managers(2, WAIT)
        .expect("two TaskManagers");
    cluster.kill_task_manager(0).expect("kill");
    let entries = wait_exceptions(&cluster, &steady, 1, "lost TaskManager");
    assert_labels(
        "tm-killed",
        &entries[0].0,
        "system",
        "tm-lost",
        &builtin_version,
        &[],
    );
    cluster
        .wait_for_tasks_running(&steady, WAIT)
        .expect("steady recovers");

    // A chain with a looping and a trapping filter, swapped in without restarting Flink:
    // the next failures carry its labels (the others' filters still label), within the
    // deadline, and the job restarts on Flink's schedule.
    let chain_dir = cluster.plugins_dir().join("faultline/chain");
    let builtin = work.path().join("builtin");
    faultline_builtin::export(&builtin).expect("export");
    write_chain(&chain_dir, &builtin, "data");
    let hostile_version = faultline_jni::chain_version(&chain_dir).expect("version");
    assert_ne!(hostile_version, builtin_version);
    wait_jm_log(&cluster, "jobmanager.out", &format!("to={hostile_version}"));
    let job = cluster
        .run_job("FailingMap", &[], Some(1))
        .expect("FailingMap");
    cluster
        .wait_for_job_status(&job, "FAILED", WAIT)
        .expect("fails");
    let entries = wait_exceptions(&cluster, &job, 3, "hostile chain");
    assert_history(
        "hostile",
        &entries,
        "user",
        "user-code",
        &hostile_version,
        &[("team", "data")],
    );
    for gap in gaps(&entries) {
        assert!(
            gap >= restart_delay.as_secs_f64() && gap < 10.0,
            "restart gap {gap} s with the hostile chain: {entries:#?}"
        );
    }

    // Replacing a filter's answer: the next failure shows it, Flink untouched.
    write_chain(&chain_dir, &builtin, "ads");
    let swapped_version = faultline_jni::chain_version(&chain_dir).expect("version");
    wait_jm_log(&cluster, "jobmanager.out", &format!("to={swapped_version}"));
    let job = cluster
        .run_job("ClosedPort", &[], Some(1))
        .expect("ClosedPort");
    cluster
        .wait_for_job_status(&job, "FAILED", WAIT)
        .expect("fails");
    let entries = wait_exceptions(&cluster, &job, 1, "swapped chain");
    assert_labels(
        "swapped",
        &entries[0].0,
        "dependency",
        "connection-refused",
        &swapped_version,
        &[("team", "ads")],
    );
    assert_eq!(
        cluster.jobmanager_pid(),
        jm,
        "the JobManager was not restarted"
    );

    // `faultline serve` takes the embedded labels as they are.
    let (class, _, _, job) = &failed[0];
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, ledger) = serve.get(&format!("/api/v1/jobs/{}/ledger", job.as_str()));
        let incident = ledger["incidents"].as_array().and_then(|i| {
            i.iter()
                .find(|i| i["kind"] == "failure" && i["blame"] == "user")
                .cloned()
        });
        if status == 200
            && let Some(incident) = incident
        {
            assert_eq!(incident["category"], "user-code", "{class}: {incident:#}");
            assert_eq!(incident["provenance"]["blame"], "embedded", "{incident:#}");
            // The chain version travels as a label, or as the incident's own field.
            let version = incident["chain_version"]
                .as_str()
                .or(incident["labels"]["chain-version"].as_str());
            assert_eq!(version, Some(builtin_version.as_str()), "{incident:#}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{class}: no embedded incident: {ledger:#}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
