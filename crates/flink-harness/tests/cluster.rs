//! The harness against a real Flink 2.3 cluster: start, run a stuck job, freeze/thaw, kill and
//! replace a TaskManager, and leave no JVM behind. One cluster, one test, to stay fast.

use std::time::{Duration, Instant};

use faultline_flink_harness::{
    FlinkCluster, Options, RestartStrategy, process_alive, process_state, processes_mentioning,
};

const WAIT: Duration = Duration::from_secs(60);

#[test]
fn cluster_lifecycle_and_task_manager_control() {
    let t0 = Instant::now();
    let flink = FlinkCluster::start(
        Options::default()
            .with_task_managers(1)
            .with_slots_per_tm(1)
            .with_restart(RestartStrategy::fixed_delay(3, Duration::from_secs(1))),
    )
    .expect("cluster starts");
    eprintln!("cluster up in {:?} at {}", t0.elapsed(), flink.rest_url());
    let work_dir = flink.work_dir().display().to_string();

    let config = std::fs::read_to_string(flink.work_dir().join("conf/config.yaml")).unwrap();
    assert!(
        config.contains("restart-strategy.type: fixed-delay"),
        "{config}"
    );
    assert!(
        config.contains("restart-strategy.fixed-delay.delay: 1000 ms"),
        "{config}"
    );
    assert!(
        config.contains("taskmanager.numberOfTaskSlots: 1"),
        "{config}"
    );

    // The stuck job runs: RUNNING, all tasks RUNNING, no progress.
    let job = flink.run_job("BlockForever", &[], None).expect("submit");
    flink
        .wait_for_tasks_running(&job, WAIT)
        .expect("BlockForever runs");
    let tm0_id = flink
        .task_manager_resource_id(0)
        .unwrap()
        .expect("TaskManager 0 logged its resource id");
    let tms = flink.get_json("/taskmanagers").unwrap();
    assert_eq!(tms["taskmanagers"][0]["id"].as_str(), Some(tm0_id.as_str()));

    // A frozen TaskManager is alive but stopped; thawed, it goes on.
    flink.freeze_task_manager(0).unwrap();
    let tm0 = flink.task_manager_pid(0).unwrap();
    assert_eq!(process_state(tm0), Some('T'));
    flink.thaw_task_manager(0).unwrap();
    assert!(flink.task_manager_alive(0).unwrap());

    // A killed TaskManager is gone from the ResourceManager within seconds; a replacement registers.
    flink.kill_task_manager(0).unwrap();
    assert!(!flink.task_manager_alive(0).unwrap());
    assert!(!process_alive(flink.task_manager_pid(0).unwrap()));
    flink
        .wait_for_task_managers(0, WAIT)
        .expect("the killed TaskManager is noticed");
    let i = flink.start_task_manager().unwrap();
    assert_eq!(i, 1);
    flink
        .wait_for_task_managers(1, WAIT)
        .expect("the replacement registers");
    // With restarts left, the stuck job comes back on the new TaskManager.
    flink
        .wait_for_tasks_running(&job, WAIT)
        .expect("BlockForever runs again");
    let attempt = flink.get_json(&format!("/jobs/{job}")).unwrap();
    assert_eq!(attempt["state"], "RUNNING");

    // Errors are errors, not panics.
    assert!(flink.kill_task_manager(7).is_err());
    let err = flink.run_job("NoSuchJob", &[], None).unwrap_err();
    assert!(err.to_string().contains("NoSuchJob"), "{err}");

    let pids = flink.pids();
    assert_eq!(pids.len(), 3);
    drop(flink);
    for pid in pids {
        assert!(!process_alive(pid), "JVM {pid} outlived its cluster");
    }
    assert_eq!(processes_mentioning(&work_dir), Vec::<u32>::new());
    assert!(
        !std::path::Path::new(&work_dir).exists(),
        "work dir removed"
    );
    eprintln!("whole test {:?}", t0.elapsed());
}
