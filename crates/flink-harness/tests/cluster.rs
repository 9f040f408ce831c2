//! The harness against real Flink 2.3 clusters: start, run jobs, cancel, freeze/thaw, kill and
//! replace a TaskManager, report a JobManager that dies, and leave no JVM behind, not even when
//! the test process aborts. The tests of this binary take turns: two clusters at once on two
//! cores would only make both slow.

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use faultline_flink_harness::{
    Error, FlinkCluster, Options, RestartStrategy, process_alive, process_state,
    processes_mentioning,
};

const WAIT: Duration = Duration::from_secs(60);

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn assert_all_gone(pids: &[u32], work_dir: &str) {
    for &pid in pids {
        assert!(!process_alive(pid), "JVM {pid} outlived its cluster");
    }
    assert_eq!(processes_mentioning(work_dir), Vec::<u32>::new());
}

#[test]
fn cluster_lifecycle_and_task_manager_control() {
    let _turn = serial();
    let t0 = Instant::now();
    let flink = FlinkCluster::start(
        Options::default()
            .with_task_managers(1)
            .with_slots_per_tm(2)
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
        config.contains("taskmanager.numberOfTaskSlots: 2"),
        "{config}"
    );

    // The stuck job and a healthy one run.
    let stuck = flink.run_job("BlockForever", &[], None).expect("submit");
    let steady = flink
        .run_job("com.acme.jobs.Steady", &[], Some(1))
        .expect("submit");
    flink
        .wait_for_tasks_running(&stuck, WAIT)
        .expect("BlockForever runs");
    flink
        .wait_for_tasks_running(&steady, WAIT)
        .expect("Steady runs");
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
    assert_ne!(process_state(tm0), Some('T'));
    assert!(flink.task_manager_alive(0).unwrap());

    // Cancelling a healthy job works; the stuck one ignores interrupts and stays CANCELLING.
    flink.cancel_job(&steady).unwrap();
    flink
        .wait_for_job_status(&steady, "CANCELED", WAIT)
        .unwrap();
    flink.cancel_job(&stuck).unwrap();
    flink
        .wait_for_job_status(&stuck, "CANCELLING", WAIT)
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(flink.job_status(&stuck).unwrap(), "CANCELLING");

    // A killed TaskManager is gone from the ResourceManager within seconds, which ends the
    // cancellation; a replacement registers and takes new work.
    flink.kill_task_manager(0).unwrap();
    assert!(!flink.task_manager_alive(0).unwrap());
    assert!(!process_alive(tm0));
    flink
        .wait_for_task_managers(0, WAIT)
        .expect("the killed TaskManager is noticed");
    flink.wait_for_job_status(&stuck, "CANCELED", WAIT).unwrap();
    assert_eq!(flink.start_task_manager().unwrap(), 1);
    assert_eq!(flink.task_managers_started(), 2);
    flink
        .wait_for_task_managers(1, WAIT)
        .expect("the replacement registers");
    let again = flink.run_job("Steady", &[], None).unwrap();
    flink
        .wait_for_tasks_running(&again, WAIT)
        .expect("Steady runs on the replacement");

    // Errors are errors, not panics.
    assert!(matches!(
        flink.kill_task_manager(7),
        Err(Error::NoSuchTaskManager(7))
    ));
    let err = flink.run_job("NoSuchJob", &[], None).unwrap_err();
    assert!(err.to_string().contains("NoSuchJob"), "{err}");
    let err = flink
        .wait_for_job_status(&steady, "RUNNING", WAIT)
        .unwrap_err();
    assert!(matches!(err, Error::JobEnded { .. }), "{err}");

    let pids = flink.pids();
    assert_eq!(pids.len(), 3);
    drop(flink);
    assert_all_gone(&pids, &work_dir);
    assert!(
        !std::path::Path::new(&work_dir).exists(),
        "work dir removed"
    );
    eprintln!("whole test {:?}", t0.elapsed());
}

#[test]
fn a_dead_jobmanager_is_reported_with_its_log() {
    let _turn = serial();
    // The RPC port is taken: the JobManager cannot start its RPC service and exits.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let t0 = Instant::now();
    let err = FlinkCluster::start(
        Options::default()
            .with_task_managers(0)
            .with_config("jobmanager.rpc.port", &port),
    )
    .unwrap_err();
    eprintln!("failed start reported after {:?}:\n{err}", t0.elapsed());
    let text = err.to_string();
    assert!(
        matches!(err, Error::ProcessDied { .. } | Error::Timeout { .. }),
        "{text}"
    );
    assert!(
        text.contains("--- its log ---") || text.contains("--- JobManager log ---"),
        "{text}"
    );
    assert!(text.contains(&port), "the log names the port: {text}");
}

#[test]
fn jvms_die_with_an_aborted_test_process() {
    const CHILD: &str = "FAULTLINE_HARNESS_ABORT_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // In the child: start a cluster, say which JVMs, and die without any cleanup.
        let flink = FlinkCluster::start(Options::default()).unwrap();
        println!("PIDS {:?} {}", flink.pids(), flink.work_dir().display());
        use std::io::Write;
        std::io::stdout().flush().unwrap();
        std::process::abort();
    }
    let _turn = serial();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "jvms_die_with_an_aborted_test_process",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PIDS "))
        .unwrap_or_else(|| {
            panic!(
                "child said: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let (list, work_dir) = line.split_once("] ").unwrap();
    let pids: Vec<u32> = list
        .trim_start_matches('[')
        .split(", ")
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    // The kernel delivers the parent-death SIGKILL at once; allow for reaping.
    let start = Instant::now();
    while pids.iter().any(|&p| process_alive(p)) && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_all_gone(&pids, work_dir);
    // The aborted child could not remove its work directory.
    let _ = std::fs::remove_dir_all(work_dir);
}
