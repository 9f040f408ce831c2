//! The tracker on real Flink 2.3 REST responses (saved in crates/flink-rest/tests/data).

mod common;

use std::path::Path;

use common::classifier;
use faultline_collector::JobTracker;
use faultline_flink_rest as rest;
use faultline_ledger::{EventKind, ExecutionState, JobStatus};

fn sample<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../flink-rest/tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn status_entries_become_transitions_in_time_order_once() {
    let details: rest::JobDetails = sample("job-failed-after-restarts.json");
    let mut job = JobTracker::new("c1", details.jid.clone(), 0);
    let mut out = Vec::new();
    job.on_details(&details, &mut out);
    let statuses: Vec<(i64, JobStatus)> = out
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::JobStatus { status } => Some((e.at, status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (1796278332878, JobStatus::Initializing),
            (1796278332896, JobStatus::Created),
            (1796278335347, JobStatus::Restarting),
            (1796278336350, JobStatus::Running),
            (1796278336403, JobStatus::Failing),
            (1796278336409, JobStatus::Failed),
        ]
    );
    assert!(
        out.iter()
            .any(|e| matches!(&e.kind, EventKind::Topology { vertices } if vertices.len() == 1))
    );
    assert!(job.terminal);
    assert!(
        out.iter()
            .all(|e| e.job == format!("c1/{}", details.jid.as_str()))
    );
    let mut again = Vec::new();
    job.on_details(&details, &mut again);
    assert!(again.is_empty(), "nothing new: {again:?}");
}

#[test]
fn nothing_before_the_watch_started_is_reported_before_it() {
    let details: rest::JobDetails = sample("job-running.json");
    let start = 1796279099000;
    let mut job = JobTracker::new("c1", details.jid.clone(), start);
    let mut out = Vec::new();
    job.on_details(&details, &mut out);
    assert!(out.iter().all(|e| e.at >= start));
    assert_eq!(job.status(), Some(JobStatus::Running));
}

#[test]
fn subtask_times_of_the_current_attempt_become_task_transitions() {
    let details: rest::VertexDetails = sample("vertex-after-tm-loss.json");
    let times: rest::SubtaskTimes = sample("subtasktimes-after-tm-loss.json");
    let mut job = JobTracker::new("c1", rest::JobId("j".into()), 0);
    let mut out = Vec::new();
    job.on_vertex(&details, &times, &mut out);
    let tasks: Vec<(i64, u32, ExecutionState)> = out
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Task { attempt, state, .. } => Some((e.at, *attempt, *state)),
            _ => None,
        })
        .collect();
    assert_eq!(
        tasks,
        vec![
            (1796278379887, 3, ExecutionState::Created),
            (1796278379888, 3, ExecutionState::Scheduled),
            (1796278379988, 3, ExecutionState::Failed),
        ]
    );
    let mut again = Vec::new();
    job.on_vertex(&details, &times, &mut again);
    assert!(again.is_empty());
}

#[test]
fn new_exceptions_are_classified_once_oldest_first() {
    let ex: rest::JobExceptions = sample("exceptions-fixed-delay-failed.json");
    let classifier = classifier();
    let mut job = JobTracker::new("c1", rest::JobId("j".into()), 0);
    let mut out = Vec::new();
    job.on_exceptions(&ex, &classifier, &mut out);
    let failures: Vec<_> = out
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Failure(f) => Some((e.at, f)),
            _ => None,
        })
        .collect();
    assert_eq!(failures.len(), 4);
    assert!(failures.windows(2).all(|w| w[0].0 <= w[1].0));
    let (_, first) = &failures[0];
    assert_eq!(
        first.labels.get("blame").map(String::as_str),
        Some("user"),
        "{:?}",
        first.labels
    );
    assert_eq!(first.subtask, Some(0));
    assert_eq!(
        first.task_manager.as_deref(),
        Some("127.0.0.1:37979-c280c2")
    );
    assert!(!first.filters.is_empty());
    // The final global failure wraps the user's exception.
    let (_, last) = &failures[3];
    assert_eq!(
        last.labels.get("blame").map(String::as_str),
        Some("user"),
        "{:?}",
        last.labels
    );
    let mut again = Vec::new();
    job.on_exceptions(&ex, &classifier, &mut again);
    assert!(again.is_empty());
}

#[test]
fn labels_from_an_embedded_faultline_are_used_as_they_are() {
    let mut ex: rest::JobExceptions = sample("exceptions-no-restart.json");
    ex.exception_history.entries[0].failure_labels = [
        ("blame".to_owned(), "system".to_owned()),
        ("category".to_owned(), "tm-lost".to_owned()),
    ]
    .into();
    let mut job = JobTracker::new("c1", rest::JobId("j".into()), 0);
    let mut out = Vec::new();
    job.on_exceptions(&ex, &classifier(), &mut out);
    let EventKind::Failure(f) = &out[0].kind else {
        panic!("no failure")
    };
    assert_eq!(f.labels["blame"], "system");
    assert_eq!(f.provenance["blame"], "embedded");
    assert!(f.filters.is_empty());
}
