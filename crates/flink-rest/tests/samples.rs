//! The models against responses saved from a real Flink 2.3.0 cluster (tests/data/).

use faultline_flink_rest::{
    ClusterOverview, DashboardConfig, ExecutionState, JobDetails, JobExceptions, JobStatus,
    JobsOverview, SubtaskDetails, SubtaskTimes, TaskManagers, UNASSIGNED, VertexDetails,
};
use serde::de::DeserializeOwned;

fn load<T: DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn running_job() {
    let job: JobDetails = load("job-running.json");
    assert_eq!(job.name, "steady");
    assert_eq!(job.state, Some(JobStatus::Running));
    assert_eq!(job.timestamps.len(), 11);
    assert!(
        job.timestamps
            .keys()
            .all(|k| !matches!(k, JobStatus::Other(_)))
    );
    assert!(job.entered(&JobStatus::Running) > job.entered(&JobStatus::Created));
    assert_eq!(job.entered(&JobStatus::Failed), None);
    assert_eq!(job.end_time, -1);
    assert_eq!(job.vertices.len(), 1);
    let v = &job.vertices[0];
    assert_eq!(v.status, Some(ExecutionState::Running));
    assert_eq!(v.parallelism, 1);
    assert_eq!(v.tasks.get(&ExecutionState::Running), Some(&1));
    assert_eq!(v.tasks.len(), 10);
    assert!(v.metrics.as_ref().unwrap().accumulated_busy_time.is_some());
    assert_eq!(job.status_counts.get(&ExecutionState::Running), Some(&1));
}

#[test]
fn job_failed_after_restarts_keeps_only_the_last_entry_per_status() {
    let job: JobDetails = load("job-failed-after-restarts.json");
    assert_eq!(job.state, Some(JobStatus::Failed));
    // Four attempts ran, but RUNNING and RESTARTING hold one time each: the last.
    let running = job.entered(&JobStatus::Running).unwrap();
    let restarting = job.entered(&JobStatus::Restarting).unwrap();
    let failing = job.entered(&JobStatus::Failing).unwrap();
    assert!(restarting < running && running < failing);
    assert_eq!(job.entered(&JobStatus::Failed), Some(job.end_time));
}

#[test]
fn running_vertex_and_subtask_times() {
    let v: VertexDetails = load("vertex-running.json");
    let s = &v.subtasks[0];
    assert_eq!(s.status, Some(ExecutionState::Running));
    assert_eq!(s.attempt, 0);
    assert_eq!(s.assigned_endpoint(), s.endpoint.as_deref());
    assert!(
        s.taskmanager_id
            .as_deref()
            .is_some_and(|id| id != UNASSIGNED)
    );
    let d = s.status_duration.as_ref().unwrap();
    assert!(d[&ExecutionState::Running] > 0);
    assert!(s.other_concurrent_attempts.is_empty());

    let t: SubtaskTimes = load("subtasktimes-running.json");
    let e = &t.subtasks[0];
    let at = |s: ExecutionState| e.entered(&s).unwrap();
    assert!(at(ExecutionState::Created) <= at(ExecutionState::Scheduled));
    assert!(at(ExecutionState::Scheduled) <= at(ExecutionState::Deploying));
    assert!(at(ExecutionState::Deploying) <= at(ExecutionState::Initializing));
    assert!(at(ExecutionState::Initializing) <= at(ExecutionState::Running));
    assert_eq!(e.entered(&ExecutionState::Failed), None);
    // `start-time` of the subtask is its DEPLOYING time.
    assert_eq!(s.start_time, at(ExecutionState::Deploying));
}

#[test]
fn vertex_after_losing_its_only_task_manager() {
    let v: VertexDetails = load("vertex-after-tm-loss.json");
    let s = &v.subtasks[0];
    assert_eq!(s.status, Some(ExecutionState::Failed));
    assert_eq!(s.attempt, 3);
    assert_eq!(s.endpoint.as_deref(), Some(UNASSIGNED));
    assert_eq!(s.assigned_endpoint(), None);
    assert_eq!(s.start_time, -1);
    let d = s.status_duration.as_ref().unwrap();
    assert_eq!(d[&ExecutionState::Deploying], -1, "never deployed");
    let t: SubtaskTimes = load("subtasktimes-after-tm-loss.json");
    assert_eq!(t.subtasks[0].entered(&ExecutionState::Deploying), None);
    assert!(t.subtasks[0].entered(&ExecutionState::Failed).is_some());
}

#[test]
fn exception_history_with_restarts() {
    let ex: JobExceptions = load("exceptions-fixed-delay-failed.json");
    let entries = &ex.exception_history.entries;
    assert_eq!(entries.len(), 4);
    assert!(!ex.exception_history.truncated);
    assert_eq!(ex.root_exception, None, "gone in Flink 2");
    // Newest first: the final global failure, then one entry per failed attempt.
    assert_eq!(
        entries[0].exception_name,
        "org.apache.flink.runtime.JobException"
    );
    assert_eq!(entries[0].task_name, None);
    assert_eq!(entries[0].concurrent_exceptions.len(), 1);
    for (i, e) in entries[1..].iter().enumerate() {
        assert_eq!(e.exception_name, "java.lang.IllegalStateException");
        let attempt = 2 - i;
        assert!(
            e.task_name
                .as_deref()
                .unwrap()
                .ends_with(&format!("- execution #{attempt}")),
            "{:?}",
            e.task_name
        );
        assert!(e.stacktrace.contains("bad record 42"));
        assert!(e.endpoint_or_location().is_some());
        assert!(e.task_manager_id.is_some());
        assert!(e.failure_labels.is_empty());
    }
    assert!(entries.windows(2).all(|w| w[0].timestamp >= w[1].timestamp));
}

#[test]
fn cluster_documents() {
    let o: ClusterOverview = load("overview.json");
    assert_eq!(o.flink_version.as_deref(), Some("2.3.0"));
    let c: DashboardConfig = load("config.json");
    assert_eq!(c.flink_version.as_deref(), Some("2.3.0"));
    assert_eq!(
        c.features.get("web-submit"),
        Some(&serde_json::Value::Bool(true))
    );
    let j: JobsOverview = load("jobs-overview.json");
    assert_eq!(j.jobs.len(), 2);
    assert!(j.jobs.iter().all(|j| j.tasks.total == 1));
}

#[test]
fn exception_history_without_restarts() {
    let ex: JobExceptions = load("exceptions-no-restart.json");
    let [root] = ex.exception_history.entries.as_slice() else {
        panic!("one entry expected")
    };
    assert!(root.stacktrace.contains("NoRestartBackoffTimeStrategy"));
    assert_eq!(
        (root.task_name.as_deref(), root.endpoint.as_deref()),
        (None, None)
    );
    let [user] = root.concurrent_exceptions.as_slice() else {
        panic!("one concurrent exception expected")
    };
    assert_eq!(user.exception_name, "java.lang.IllegalStateException");
    assert!(
        user.task_name
            .as_deref()
            .is_some_and(|t| t.ends_with("- execution #0"))
    );
    assert!(user.concurrent_exceptions.is_empty());
}

#[test]
fn task_managers() {
    let tms: TaskManagers = load("taskmanagers.json");
    assert_eq!(tms.taskmanagers.len(), 2);
    for tm in &tms.taskmanagers {
        assert!(tm.id.starts_with("127.0.0.1:"), "{}", tm.id);
        assert_eq!(tm.slots_number, 1);
        // Not a duration: an epoch-ms timestamp of the last heartbeat.
        assert!(tm.time_since_last_heartbeat.unwrap() > 1_600_000_000_000);
        assert_eq!(tm.jmx_port, Some(-1));
    }
}

#[test]
fn a_past_attempt_keeps_its_own_state_durations() {
    let a: SubtaskDetails = load("subtask-attempt-0-of-4.json");
    assert_eq!(
        (a.attempt, a.status.clone()),
        (0, Some(ExecutionState::Failed))
    );
    let d = a.status_duration.unwrap();
    // CREATED..RUNNING of that attempt; FAILED (terminal) has no duration.
    assert_eq!(d.len(), 5);
    assert!(d.values().all(|&ms| ms >= 0));
    assert_eq!(a.duration, a.end_time - a.start_time);
}
