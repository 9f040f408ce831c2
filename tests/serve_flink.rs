//! `faultline serve` watching a real Flink 2.3 cluster (started by
//! `crates/flink-harness`): every injected fault becomes an incident with the expected
//! blame, stage times match Flink's own timestamps within a second, the healthy job
//! accrues no down time, and a cluster that goes away becomes unobserved time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faultline_flink_harness::{FlinkCluster, JobId, Options, RestartStrategy};
use serde_json::Value;

/// `faultline serve` as a child process, stopped with SIGTERM on drop.
struct Serve {
    child: Child,
    addr: SocketAddr,
}

impl Serve {
    fn start(flink: &str, data: &Path) -> Serve {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache");
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args([
                "serve",
                "--flink",
                &format!("test={flink}"),
                "--listen",
                "127.0.0.1:0",
            ])
            // A second cluster that is never there: it must not disturb the first.
            .args(["--flink", "gone=http://127.0.0.1:1"])
            .args(["--poll-interval", "500ms", "--data"])
            .arg(data)
            .env("FAULTLINE_CACHE_DIR", cache)
            .env(
                "FAULTLINE_LOG",
                std::env::var("FAULTLINE_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stderr(Stdio::piped())
            .spawn()
            .expect("start faultline serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("faultline: serving http://")
                    && let Some(addr) = rest
                        .split('/')
                        .next()
                        .and_then(|a| a.parse::<SocketAddr>().ok())
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr);
                }
                eprintln!("[serve] {line}");
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("faultline serve announces its address");
        Serve { child, addr }
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        let (head, body) = resp.split_once("\r\n\r\n").expect("http response");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn ledger(&self, job: &JobId) -> Value {
        let (status, v) = self.get(&format!("/api/v1/jobs/{}/ledger", job.as_str()));
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Polls the API until `pred` holds for the job's ledger.
    fn wait_ledger(&self, job: &JobId, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, v) = self.get(&format!("/api/v1/jobs/{}/ledger", job.as_str()));
            if status == 200 && pred(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {v:#}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "faultline serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The incident a failure of `blame` opened, if any.
fn failure_incident<'a>(ledger: &'a Value, blame: &str) -> Option<&'a Value> {
    ledger["incidents"]
        .as_array()?
        .iter()
        .find(|i| i["kind"] == "failure" && i["blame"] == blame)
}

fn secs(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// Seconds from the job's start to the moment its last subtask entered RUNNING, by
/// Flink's own timestamps.
fn flink_startup(cluster: &FlinkCluster, job: &JobId) -> f64 {
    let details = cluster
        .get_json(&format!("/jobs/{}", job.as_str()))
        .expect("job");
    let start = details["start-time"].as_i64().expect("start");
    let mut running = 0;
    for v in details["vertices"].as_array().expect("vertices") {
        let vid = v["id"].as_str().expect("vid");
        let times = cluster
            .get_json(&format!(
                "/jobs/{}/vertices/{vid}/subtasktimes",
                job.as_str()
            ))
            .expect("times");
        for s in times["subtasks"].as_array().expect("subtasks") {
            running = running.max(s["timestamps"]["RUNNING"].as_i64().expect("RUNNING"));
        }
    }
    (running - start) as f64 / 1000.0
}

#[test]
fn serve_accounts_a_real_clusters_jobs_and_blames_each_fault() {
    let cluster = FlinkCluster::start(
        Options::default()
            .with_task_managers(1)
            .with_slots_per_tm(8)
            .with_restart(RestartStrategy::fixed_delay(2, Duration::from_secs(1))),
    )
    .expect("flink");
    let data = tempfile::tempdir().expect("data dir");
    let serve = Serve::start(cluster.rest_url(), data.path());
    let wait = Duration::from_secs(120);

    let steady = cluster.run_job("Steady", &[], Some(1)).expect("steady");
    let blocked = cluster
        .run_job("BlockForever", &[], Some(1))
        .expect("block");
    let faults = [
        ("FailingMap", "user"),
        ("KryoUnmodifiable", "user"),
        ("HeapHog", "resource"),
        ("ClosedPort", "dependency"),
    ];
    let mut failing = Vec::new();
    for (class, blame) in faults {
        failing.push((
            class,
            blame,
            cluster.run_job(class, &[], Some(1)).expect(class),
        ));
    }
    for (class, _, job) in &failing {
        cluster
            .wait_for_job_status(job, "FAILED", wait)
            .unwrap_or_else(|e| panic!("{class}: {e}"));
    }
    cluster
        .wait_for_tasks_running(&steady, wait)
        .expect("steady runs");
    cluster
        .wait_for_tasks_running(&blocked, wait)
        .expect("block runs");
    // Parallelism 8 with 6 slots free: the platform cannot schedule it.
    let greedy = cluster
        .run_job("TooManySlots", &[], Some(8))
        .expect("too many slots");
    cluster
        .wait_for_job_status(&greedy, "FAILED", wait)
        .expect("too many slots fails");

    for (class, blame, job) in &failing {
        let ledger = serve.wait_ledger(job, class, |l| l["stage"] == "TERMINAL");
        let incident = failure_incident(&ledger, blame)
            .unwrap_or_else(|| panic!("{class}: no {blame} incident in {:#}", ledger["incidents"]));
        assert!(
            !incident["filters"].as_array().expect("filters").is_empty(),
            "{class}: {incident:#}"
        );
        assert!(incident["exception"].is_string(), "{class}: {incident:#}");
    }
    let ledger = serve.wait_ledger(&greedy, "TooManySlots", |l| l["stage"] == "TERMINAL");
    let incident = failure_incident(&ledger, "system").unwrap_or_else(|| panic!("{ledger:#}"));
    assert_eq!(incident["category"], "no-resources", "{incident:#}");
    assert!(
        ledger["stages"]["SCHEDULING"].as_f64().is_some(),
        "{ledger:#}"
    );

    // The healthy job: no down time, and its start-up matches Flink's own timestamps.
    let ledger = serve.wait_ledger(&steady, "steady running", |l| l["stage"] == "RUNNING");
    assert_eq!(ledger["downtime_seconds"], 0.0, "{ledger:#}");
    assert_eq!(ledger["availability"], 1.0, "{ledger:#}");
    let stages = &ledger["stages"];
    let startup = ["CREATED", "SCHEDULING", "DEPLOYING", "INITIALIZING"]
        .iter()
        .map(|s| secs(&stages[s]))
        .sum::<f64>();
    let flink = flink_startup(&cluster, &steady);
    assert!(
        (startup - flink).abs() < 1.0,
        "start-up {startup} s here, {flink} s by Flink's timestamps: {stages:#}"
    );
    let (_, clusters) = serve.get("/api/v1/clusters");
    let by_name = |n: &str| {
        clusters["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .find(|c| c["name"] == n)
            .cloned()
    };
    assert_eq!(
        by_name("test").expect("test")["reachable"],
        true,
        "{clusters:#}"
    );
    assert_eq!(
        by_name("gone").expect("gone")["reachable"],
        false,
        "{clusters:#}"
    );
    let blocked_ledger = serve.ledger(&blocked);
    assert_eq!(blocked_ledger["stage"], "RUNNING", "{blocked_ledger:#}");

    // Faultline itself restarts: it resumes from its data, and the time it was away is
    // unobserved, not up.
    let status = serve.stop();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_secs(3));
    let serve = Serve::start(cluster.rest_url(), data.path());
    let ledger = serve.wait_ledger(&steady, "steady seen again after the restart", |l| {
        l["stage"] == "RUNNING" && secs(&l["stages"]["UNKNOWN"]) >= 2.0
    });
    assert_eq!(ledger["downtime_seconds"], 0.0, "{ledger:#}");
    assert!(
        failure_incident(&serve.ledger(&failing[0].2), "user").is_some(),
        "history kept"
    );

    // A TaskManager killed with SIGKILL and replaced: the platform's fault.
    cluster.start_task_manager().expect("replacement");
    cluster
        .wait_for_task_managers(2, wait)
        .expect("two TaskManagers");
    cluster.kill_task_manager(0).expect("kill");
    let ledger = serve.wait_ledger(&steady, "steady recovers from the lost TaskManager", |l| {
        l["stage"] == "RUNNING"
            && failure_incident(l, "system").is_some_and(|i| !i["end"].is_null())
    });
    let incident = failure_incident(&ledger, "system").expect("system incident");
    let down = secs(&incident["downtime_seconds"]);
    assert!(down > 0.0, "{incident:#}");
    // Flink's view of the same outage: the failure's time to the last subtask RUNNING again.
    let ex = cluster
        .get_json(&format!("/jobs/{}/exceptions", steady.as_str()))
        .expect("exceptions");
    let failed_at = ex["exceptionHistory"]["entries"][0]["timestamp"]
        .as_i64()
        .expect("timestamp");
    let details = cluster
        .get_json(&format!("/jobs/{}", steady.as_str()))
        .expect("job");
    let vid = details["vertices"][0]["id"]
        .as_str()
        .expect("vid")
        .to_owned();
    let times = cluster
        .get_json(&format!(
            "/jobs/{}/vertices/{vid}/subtasktimes",
            steady.as_str()
        ))
        .expect("times");
    let back = times["subtasks"][0]["timestamps"]["RUNNING"]
        .as_i64()
        .expect("running");
    let flink_down = (back - failed_at) as f64 / 1000.0;
    assert!(
        (down - flink_down).abs() < 1.0,
        "down {down} s here, {flink_down} s by Flink: {incident:#}"
    );
    assert_eq!(ledger["accounts"]["user"], 0.0, "{ledger:#}");

    // The cluster goes away: from the last good poll the job is not observed.
    // SAFETY: signalling a child process of the harness.
    unsafe { libc::kill(cluster.jobmanager_pid() as i32, libc::SIGKILL) };
    let ledger = serve.wait_ledger(&steady, "steady unobserved", |l| l["stage"] == "UNKNOWN");
    let (_, clusters) = serve.get("/api/v1/clusters");
    assert!(
        clusters["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .all(|c| c["reachable"] == false),
        "{clusters:#}"
    );
    assert!(ledger["incidents"].as_array().expect("incidents").len() >= 2);
    std::thread::sleep(Duration::from_secs(2));
    let later = serve.ledger(&steady);
    assert!(secs(&later["stages"]["UNKNOWN"]) > 0.0, "{later:#}");
    assert_eq!(
        later["downtime_seconds"], ledger["downtime_seconds"],
        "unobserved time is not down time"
    );

    // Stopped with SIGTERM, it snapshots, and the report reads the stored history.
    let status = serve.stop();
    assert!(status.success(), "{status:?}");
    assert!(data.path().join("snapshot.json").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["report", "--format", "json", "--data"])
        .arg(data.path())
        .output()
        .expect("report");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    for blame in ["user", "system", "resource", "dependency"] {
        assert!(
            secs(&report["fleet"]["down_by_blame"][blame]) > 0.0,
            "{blame}: {report:#}"
        );
    }
}
