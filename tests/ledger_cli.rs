//! `faultline report` and `faultline replay` on a real data directory.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use faultline_ledger::log::{Store, StoreConfig};
use faultline_ledger::{Event, EventKind, ExecutionState as X, Failure, JobStatus as J};

fn faultline(args: &[&str]) -> Output {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache");
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .env("FAULTLINE_CACHE_DIR", cache)
        .output()
        .expect("run faultline")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "faultline failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A job that ran 1000 s with one 100 s outage, caused by a real Flink failure
/// (a user's map function throwing) that was stored with wrong labels.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/stacktrace/tests/data/flink/failing-map.txt"),
    )
    .expect("capture");
    let task = |at, attempt, state| Event {
        at,
        job: "c1/job".into(),
        kind: EventKind::Task {
            vertex: "v".into(),
            subtask: 0,
            attempt,
            state,
        },
    };
    let ev = |at, kind| Event {
        at,
        job: "c1/job".into(),
        kind,
    };
    let mut store = Store::open(dir.path(), StoreConfig::default()).expect("store");
    for e in [
        ev(
            0,
            EventKind::Submitted {
                name: "enrich".into(),
                fresh: false,
            },
        ),
        ev(0, EventKind::JobStatus { status: J::Running }),
        task(0, 0, X::Running),
        ev(
            400_000,
            EventKind::Failure(Box::new(Failure {
                id: "1".into(),
                stacktrace: trace,
                labels: BTreeMap::from([
                    ("blame".into(), "system".into()),
                    ("category".into(), "wrong".into()),
                ]),
                ..Failure::default()
            })),
        ),
        ev(
            400_000,
            EventKind::JobStatus {
                status: J::Restarting,
            },
        ),
        task(400_000, 0, X::Canceled),
        ev(500_000, EventKind::JobStatus { status: J::Running }),
        task(500_000, 1, X::Running),
        Event {
            at: 1_000_000,
            job: String::new(),
            kind: EventKind::Observed,
        },
    ] {
        store.record(e).expect("record");
    }
    store.commit().expect("commit");
    dir
}

#[test]
fn report_prints_availability_by_blame_in_every_format() {
    let dir = data_dir();
    let d = dir.path().to_str().expect("utf-8");
    let out = stdout(&faultline(&["report", "--data", d, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["fleet"]["availability"], 0.9);
    assert_eq!(v["fleet"]["down_by_blame"]["system"], 100.0);
    assert_eq!(v["jobs"][0]["job"], "c1/job");
    assert_eq!(v["jobs"][0]["name"], "enrich");
    assert_eq!(v["jobs"][0]["stages"]["RESTARTING"], 100.0);

    let table = stdout(&faultline(&["report", "--data", d]));
    assert!(table.contains("90.000%"), "{table}");
    assert!(table.contains("system/wrong"), "{table}");

    let csv = stdout(&faultline(&[
        "report", "--data", d, "--format", "csv", "--window", "550s",
    ]));
    let row = csv.lines().nth(1).expect("row");
    assert!(row.starts_with("c1/job,enrich,0.909091,500,50,"), "{csv}");
}

#[test]
fn replay_reclassifies_the_past_with_the_chain() {
    let dir = data_dir();
    let d = dir.path().to_str().expect("utf-8");
    let out = stdout(&faultline(&["replay", "--data", d, "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["failures"], 1);
    assert_eq!(v["moved"]["system -> user"], 100.0);
    assert_eq!(v["changed"][0]["before"], "system/wrong");
    assert!(
        v["changed"][0]["after"]
            .as_str()
            .expect("after")
            .starts_with("user/"),
        "{v}"
    );
    let text = stdout(&faultline(&["replay", "--data", d]));
    assert!(text.contains("system -> user"), "{text}");
}

#[test]
fn a_missing_or_corrupt_data_directory_is_a_clear_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    let out = faultline(&["report", "--data", empty.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event log"));

    let dir = data_dir();
    let log = dir.path().join("events.log");
    let mut bytes = std::fs::read(&log).expect("read");
    bytes[30] ^= 0x55;
    std::fs::write(&log, &bytes).expect("write");
    let out = faultline(&["report", "--data", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("corrupt record at byte"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
