//! The watcher against a cluster that misbehaves: answers from real Flink 2.3 responses,
//! then garbage, HTTP 500 and a closed connection, then real answers again. It never
//! crashes, marks the job blind from its last good poll, and resumes without reporting
//! anything twice.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use common::classifier;
use faultline_collector::{ClusterConfig, Watcher};
use faultline_ledger::{Event, EventKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const GOOD: u8 = 0;
const GARBAGE: u8 = 1;
const ERROR: u8 = 2;
const CLOSE: u8 = 3;
const NO_JOBS: u8 = 4;
const BAD_JOB: u8 = 5;

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../flink-rest/tests/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves the saved responses of the running `Steady` job until `mode` says otherwise.
async fn server(mode: Arc<AtomicU8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let job: serde_json::Value = serde_json::from_str(&data("job-running.json")).expect("json");
    let jid = job["jid"].as_str().expect("jid").to_owned();
    let overview = serde_json::json!({"jobs": [{
        "jid": jid, "name": job["name"], "state": "RUNNING", "start-time": job["start-time"],
        "end-time": -1, "duration": 1000, "last-modification": job["start-time"], "tasks": {"total": 1, "running": 1}
    }]})
    .to_string();
    let mut later: serde_json::Value = serde_json::from_str(&overview).expect("overview");
    later["jobs"][0]["last-modification"] =
        (job["start-time"].as_i64().expect("start") + 1000).into();
    let changed = later.to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let mode = mode.clone();
            let (overview, changed, job_json) =
                (overview.clone(), changed.clone(), data("job-running.json"));
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = match mode.load(Ordering::SeqCst) {
                    CLOSE => return,
                    ERROR => (
                        "500 Internal Server Error",
                        r#"{"errors":["boom"]}"#.to_owned(),
                    ),
                    GARBAGE => ("200 OK", "{\"jobs\": [ not json".to_owned()),
                    NO_JOBS if path.starts_with("/jobs/overview") => {
                        ("200 OK", r#"{"jobs":[]}"#.to_owned())
                    }
                    NO_JOBS => (
                        "404 Not Found",
                        r#"{"errors":["Job not found"]}"#.to_owned(),
                    ),
                    BAD_JOB
                        if path.starts_with("/jobs/overview")
                            || path.starts_with("/taskmanagers") =>
                    {
                        (
                            "200 OK",
                            // The job changed, so it must be read, and its reads fail.
                            if path.starts_with("/jobs/overview") {
                                changed
                            } else {
                                data("taskmanagers.json")
                            },
                        )
                    }
                    BAD_JOB => (
                        "503 Service Unavailable",
                        r#"{"errors":["busy"]}"#.to_owned(),
                    ),
                    _ => (
                        "200 OK",
                        if path.starts_with("/jobs/overview") {
                            overview
                        } else if path.starts_with("/taskmanagers") {
                            data("taskmanagers.json")
                        } else if path.contains("/exceptions") {
                            data("exceptions-no-restart.json")
                        } else if path.ends_with("/subtasktimes") {
                            data("subtasktimes-running.json")
                        } else if path.contains("/vertices/") {
                            data("vertex-running.json")
                        } else {
                            job_json
                        },
                    ),
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_cluster_is_blind_time_and_nothing_is_counted_twice() {
    let mode = Arc::new(AtomicU8::new(GOOD));
    let url = server(mode.clone()).await;
    let mut config = ClusterConfig::new("c1", &url);
    config.poll_interval = Duration::from_millis(100);
    config.max_backoff = Duration::from_millis(400);
    config.request_timeout = Duration::from_secs(2);
    let watcher = Watcher::new(config, classifier()).expect("watcher");
    let status = watcher.status();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(watcher.run(tx, stop_rx));

    let mut events: Vec<Event> = Vec::new();
    let mut collect = async |ms: u64, events: &mut Vec<Event>| {
        let until = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(batch)) = tokio::time::timeout_at(until, rx.recv()).await {
            events.extend(batch);
        }
    };
    collect(600, &mut events).await;
    let first_phase = events.len();
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Submitted { .. }))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Task { .. }))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Failure(_)))
            .count(),
        0,
        "history before the watch"
    );
    for bad in [GARBAGE, ERROR, CLOSE] {
        mode.store(bad, Ordering::SeqCst);
        collect(700, &mut events).await;
        let s = status.lock().expect("status").clone();
        assert!(!s.reachable, "mode {bad}");
        assert!(s.last_error.is_some());
    }
    let blind: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind == EventKind::BlindStart)
        .collect();
    assert_eq!(blind.len(), 1, "one blind span for the whole outage");
    let last_ok = events[..first_phase]
        .iter()
        .filter(|e| e.kind == EventKind::Observed)
        .map(|e| e.at)
        .max();
    assert_eq!(Some(blind[0].at), last_ok, "blind from the last good poll");

    mode.store(GOOD, Ordering::SeqCst);
    collect(1200, &mut events).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventKind::BlindEnd)
            .count(),
        1
    );
    assert!(status.lock().expect("status").reachable);
    // Re-reading after the outage reports each task state and the job once.
    let submitted = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Submitted { .. }))
        .count();
    assert_eq!(submitted, 1);
    let mut tasks: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Task {
                attempt,
                state,
                subtask,
                ..
            } => Some((*subtask, *attempt, *state, e.at)),
            _ => None,
        })
        .collect();
    let n = tasks.len();
    tasks.sort_by_key(|t| (t.0, t.1, t.3));
    tasks.dedup();
    assert_eq!(n, tasks.len(), "a re-read after the outage repeats nothing");

    // And the ledger counts the outage as unobserved, not as up or down.
    let mut ledger = faultline_ledger::Ledger::new(faultline_ledger::LedgerConfig::default());
    for e in events.iter().cloned() {
        ledger.ingest(e);
    }
    ledger.flush();
    let job = ledger.jobs().next().expect("job");
    assert!(job.totals.unobserved > 0, "{:?}", job.totals);
    assert_eq!(job.totals.downtime(), 0, "{:?}", job.totals);

    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops")
        .expect("no panic");
}

/// Polls `mode`s in turn, `ms` each, and returns every event.
async fn run_modes(modes: &[(u8, u64)]) -> Vec<Event> {
    let mode = Arc::new(AtomicU8::new(GOOD));
    let url = server(mode.clone()).await;
    let mut config = ClusterConfig::new("c1", &url);
    config.poll_interval = Duration::from_millis(100);
    config.max_backoff = Duration::from_millis(200);
    let watcher = Watcher::new(config, classifier()).expect("watcher");
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(watcher.run(tx, stop_rx));
    let mut events: Vec<Event> = Vec::new();
    for (m, ms) in modes {
        mode.store(*m, Ordering::SeqCst);
        let until = tokio::time::Instant::now() + Duration::from_millis(*ms);
        while let Ok(Some(batch)) = tokio::time::timeout_at(until, rx.recv()).await {
            events.extend(batch);
        }
    }
    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("stops")
        .expect("no panic");
    events
}

fn count(events: &[Event], kind: &EventKind) -> usize {
    events.iter().filter(|e| &e.kind == kind).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_vanishes_without_ending_is_unobserved_until_it_returns() {
    // A JobManager restarted without HA: the job is gone from the overview, then back.
    let events = run_modes(&[(GOOD, 500), (NO_JOBS, 500), (GOOD, 500)]).await;
    assert_eq!(count(&events, &EventKind::BlindStart), 1, "{events:?}");
    assert_eq!(count(&events, &EventKind::BlindEnd), 1, "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_jobs_errors_blind_that_job_only_and_polling_goes_on() {
    let events = run_modes(&[(GOOD, 500), (BAD_JOB, 600), (GOOD, 500)]).await;
    let blind: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::BlindStart)
        .collect();
    assert_eq!(blind.len(), 1, "{events:?}");
    assert!(blind[0].job.starts_with("c1/") && blind[0].job.len() > 3);
    assert_eq!(count(&events, &EventKind::BlindEnd), 1);
    // The overview kept answering: the cluster's clock kept moving all along.
    let observed: Vec<i64> = events
        .iter()
        .filter(|e| e.kind == EventKind::Observed)
        .map(|e| e.at)
        .collect();
    assert!(observed.len() >= 10, "{observed:?}");
}
