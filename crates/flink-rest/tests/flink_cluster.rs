//! The client against a real Flink 2.3 cluster started by the harness: one cluster, one test.
//!
//! `FAULTLINE_SAVE_FLINK_SAMPLES=1` rewrites the samples in tests/data/ from this run.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use faultline_flink_harness::{
    FlinkCluster, Options, RestartStrategy, process_alive, processes_mentioning,
};
use faultline_flink_rest::{Error, ExecutionState, FlinkRestClient, JobId, JobStatus, UNASSIGNED};

const WAIT: Duration = Duration::from_secs(60);

fn save_sample(name: &str, value: &serde_json::Value) {
    if std::env::var("FAULTLINE_SAVE_FLINK_SAMPLES").is_ok_and(|v| v == "1") {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = serde_json::to_string_pretty(value).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
        eprintln!("saved {path}");
    }
}

#[tokio::test]
async fn reads_every_endpoint_of_a_real_cluster() {
    let t0 = Instant::now();
    let flink = FlinkCluster::start(
        Options::default()
            .with_task_managers(2)
            .with_slots_per_tm(1)
            .with_restart(RestartStrategy::None),
    )
    .expect("cluster starts");
    eprintln!("cluster up in {:?}", t0.elapsed());
    let work_dir = flink.work_dir().display().to_string();
    let client = FlinkRestClient::new(flink.rest_url()).unwrap();

    let steady = flink.run_job("Steady", &[], None).unwrap();
    let failing = flink.run_job("FailingMap", &[], None).unwrap();
    flink.wait_for_tasks_running(&steady, WAIT).unwrap();
    flink.wait_for_job_status(&failing, "FAILED", WAIT).unwrap();
    let steady = JobId::from(steady.as_str());
    let failing = JobId::from(failing.as_str());

    // /config and /overview
    let config = client.config().await.unwrap();
    assert_eq!(config.flink_version.as_deref(), Some("2.3.0"));
    assert!(config.flink_revision.is_some());
    let overview = client.overview().await.unwrap();
    assert_eq!(overview.taskmanagers, 2);
    assert_eq!(overview.slots_total, 2);
    assert_eq!(overview.slots_available, 1, "Steady holds one slot");
    assert_eq!((overview.jobs_running, overview.jobs_failed), (1, 1));

    // /jobs/overview
    let jobs = client.jobs_overview().await.unwrap();
    assert_eq!(jobs.jobs.len(), 2);
    let s = jobs.jobs.iter().find(|j| j.jid == steady).unwrap();
    assert_eq!(
        (s.name.as_str(), s.state.clone()),
        ("steady", Some(JobStatus::Running))
    );
    assert_eq!((s.tasks.total, s.tasks.running), (1, 1));
    assert_eq!(s.end_time, -1);
    let f = jobs.jobs.iter().find(|j| j.jid == failing).unwrap();
    assert_eq!(f.state, Some(JobStatus::Failed));
    assert_eq!(f.tasks.failed, 1);
    assert!(f.end_time >= f.start_time && f.start_time > 0);

    // /taskmanagers: the ids the harness read from the TaskManagers' logs.
    let tms = client.task_managers().await.unwrap();
    let ids: BTreeSet<String> = tms.taskmanagers.iter().map(|t| t.id.clone()).collect();
    let harness_ids: BTreeSet<String> = (0..2)
        .map(|i| flink.task_manager_resource_id(i).unwrap().unwrap())
        .collect();
    assert_eq!(ids, harness_ids);
    for tm in &tms.taskmanagers {
        assert_eq!(tm.slots_number, 1);
        assert!(tm.data_port.is_some_and(|p| p > 0));
        assert!(tm.hardware.as_ref().and_then(|h| h.cpu_cores).is_some());
    }
    save_sample(
        "taskmanagers.json",
        &client.get_value(&["taskmanagers"], &[]).await.unwrap(),
    );

    // /jobs/{id}: RUNNING, every vertex RUNNING.
    let job = client.job(&steady).await.unwrap();
    assert_eq!(job.state, Some(JobStatus::Running));
    assert_eq!(job.name, "steady");
    let running_at = job.entered(&JobStatus::Running).unwrap();
    assert!(job.entered(&JobStatus::Created).unwrap() <= running_at);
    assert_eq!(job.entered(&JobStatus::Failed), None);
    assert!(job.now >= running_at);
    assert!(!job.vertices.is_empty());
    save_sample(
        "job-running.json",
        &client
            .get_value(&["jobs", steady.as_str()], &[])
            .await
            .unwrap(),
    );

    let mut steady_tm = None;
    for v in &job.vertices {
        assert_eq!(v.status, Some(ExecutionState::Running), "{}", v.name);
        assert_eq!(v.tasks.get(&ExecutionState::Running), Some(&v.parallelism));

        // /jobs/{id}/vertices/{vid}
        let details = client.vertex(&steady, &v.id).await.unwrap();
        assert_eq!(details.id, v.id);
        assert_eq!(details.subtasks.len(), v.parallelism as usize);
        for s in &details.subtasks {
            assert_eq!(s.status, Some(ExecutionState::Running));
            assert_eq!(s.attempt, 0);
            assert!(s.start_time > 0 && s.end_time == -1 && s.duration >= 0);
            assert!(s.assigned_endpoint().is_some());
            let tm = s.taskmanager_id.clone().unwrap();
            assert!(ids.contains(&tm), "{tm} in {ids:?}");
            steady_tm = Some(tm);
            let d = s.status_duration.as_ref().expect("status-duration");
            assert!(d[&ExecutionState::Running] >= 0);
            assert!(d[&ExecutionState::Deploying] >= 0);
        }

        // /jobs/{id}/vertices/{vid}/subtasktimes
        let times = client.subtask_times(&steady, &v.id).await.unwrap();
        assert_eq!(times.subtasks.len(), v.parallelism as usize);
        for t in &times.subtasks {
            let at = |s: ExecutionState| t.entered(&s);
            let running = at(ExecutionState::Running).expect("RUNNING timestamp");
            let deploying = at(ExecutionState::Deploying).unwrap();
            let scheduled = at(ExecutionState::Scheduled).unwrap();
            assert!(scheduled <= deploying && deploying <= running);
            assert!(running >= running_at, "tasks run after the job is RUNNING");
            assert_eq!(at(ExecutionState::Failed), None);
            assert!(t.endpoint.as_deref().is_some_and(|e| e != UNASSIGNED));
        }
        let vid = v.id.as_str();
        save_sample(
            "vertex-running.json",
            &client
                .get_value(&["jobs", steady.as_str(), "vertices", vid], &[])
                .await
                .unwrap(),
        );
        save_sample(
            "subtasktimes-running.json",
            &client
                .get_value(
                    &["jobs", steady.as_str(), "vertices", vid, "subtasktimes"],
                    &[],
                )
                .await
                .unwrap(),
        );
    }

    // /jobs/{id}/exceptions: the user's exception, with its task.
    let ex = client.exceptions(&failing, Some(10)).await.unwrap();
    let entries = &ex.exception_history.entries;
    assert_eq!(entries.len(), 1, "no restarts: one failure");
    let root = &entries[0];
    assert_eq!(root.exception_name, "org.apache.flink.runtime.JobException");
    assert!(root.stacktrace.contains("NoRestartBackoffTimeStrategy"));
    assert!(
        root.stacktrace
            .contains("Caused by: java.lang.IllegalStateException: bad record 42")
    );
    assert_eq!(root.task_name, None, "the global root has no task");
    let user = &root.concurrent_exceptions[0];
    assert_eq!(user.exception_name, "java.lang.IllegalStateException");
    assert!(
        user.stacktrace
            .starts_with("java.lang.IllegalStateException: bad record 42")
    );
    assert!(
        user.stacktrace
            .contains("com.acme.jobs.FailingMap$Enrich.map")
    );
    let task = user.task_name.as_deref().unwrap();
    assert!(
        task.contains("Map") && task.ends_with("- execution #0"),
        "{task}"
    );
    assert!(user.endpoint.is_some() && user.task_manager_id.is_some());
    assert!(user.timestamp <= root.timestamp);
    let f_job = client.job(&failing).await.unwrap();
    assert_eq!(f_job.entered(&JobStatus::Failed), Some(root.timestamp));
    // The failed attempt by number, and a 404 for one that never was.
    let fv = &f_job.vertices[0].id;
    let a0 = client.subtask_attempt(&failing, fv, 0, 0).await.unwrap();
    assert_eq!((a0.attempt, a0.status), (0, Some(ExecutionState::Failed)));
    assert!(a0.end_time >= a0.start_time && a0.start_time > 0);
    assert_eq!(a0.taskmanager_id, user.task_manager_id);
    let err = client
        .subtask_attempt(&failing, fv, 0, 1)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 404, snippet, .. } if snippet.contains("Invalid attempt")),
        "{err:?}"
    );
    save_sample(
        "exceptions-no-restart.json",
        &client
            .get_value(
                &["jobs", failing.as_str(), "exceptions"],
                &[("maxExceptions", "10")],
            )
            .await
            .unwrap(),
    );

    // An unknown job is a 404 with Flink's message.
    let err = client
        .job(&JobId::from("00000000000000000000000000000000"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 404, snippet, .. } if snippet.contains("not found")),
        "{err:?}"
    );

    // Kill the TaskManager under Steady: it disappears from /taskmanagers and the job fails.
    let steady_tm = steady_tm.unwrap();
    let victim = (0..2)
        .find(|&i| flink.task_manager_resource_id(i).unwrap().as_deref() == Some(&steady_tm))
        .unwrap();
    let killed_at = Instant::now();
    flink.kill_task_manager(victim).unwrap();
    let gone = loop {
        let tms = client.task_managers().await.unwrap();
        if !tms.taskmanagers.iter().any(|t| t.id == steady_tm) {
            break tms;
        }
        assert!(
            killed_at.elapsed() < WAIT,
            "killed TaskManager still listed"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!(
        "TaskManager gone from /taskmanagers after {:?}",
        killed_at.elapsed()
    );
    assert_eq!(gone.taskmanagers.len(), 1);
    assert_eq!(client.overview().await.unwrap().taskmanagers, 1);
    flink
        .wait_for_job_status(
            &faultline_flink_harness::JobId(steady.to_string()),
            "FAILED",
            WAIT,
        )
        .unwrap();
    let ex = client.exceptions(&steady, None).await.unwrap();
    let text = serde_json::to_string(&ex).unwrap();
    assert!(
        text.contains(&steady_tm),
        "the failure names the lost TaskManager"
    );

    // No JVM outlives the cluster.
    let pids = flink.pids();
    drop(flink);
    for pid in pids {
        assert!(!process_alive(pid), "JVM {pid} outlived its cluster");
    }
    assert_eq!(processes_mentioning(&work_dir), Vec::<u32>::new());
    eprintln!("whole test {:?}", t0.elapsed());
}
