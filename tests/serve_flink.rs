//! `faultline serve` watching a real Flink 2.3 cluster (started by
//! `crates/flink-harness`): every injected fault becomes an incident with the expected
//! blame, stage times match Flink's own timestamps within a second, the healthy job
//! accrues no down time, and a cluster that goes away becomes unobserved time. The
//! chain is the built-in one plus a shadow filter that disagrees and a 50 % canary:
//! the rollout report shows the disagreement, the canary applies to exactly the jobs
//! its hash picks, and a filter changed on disk takes effect without a restart.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Serve;
use faultline_flink_harness::{FlinkCluster, JobId, Options, RestartStrategy};
use serde_json::Value;

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

/// The chain to watch, and a second cluster that is never there: it must not disturb
/// the first.
fn serve_args(chain: &Path) -> Vec<&OsStr> {
    vec![
        OsStr::new("--chain"),
        chain.as_os_str(),
        OsStr::new("--flink"),
        OsStr::new("gone=http://127.0.0.1:1"),
    ]
}

/// The built-in chain exported to a directory, plus two candidate filters: `always-system`
/// in shadow (it disagrees with every non-system verdict) and `tagger`, a 50 % canary
/// that adds `rollout=canary`.
fn candidate_chain(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["chain", "export"])
        .arg(dir)
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut manifest = std::fs::read_to_string(dir.join("chain.toml")).expect("manifest");
    manifest.push_str(&candidates("system"));
    std::fs::write(dir.join("chain.toml"), manifest).expect("write manifest");
}

fn candidates(shadow_blame: &str) -> String {
    let fixed = faultline_test_filters::FIXED;
    format!(
        "\n[[filter]]\nname = \"always-system\"\npath = {fixed:?}\nmode = \"shadow\"\n\
         [filter.config]\nlabels = {{ blame = {shadow_blame:?}, category = \"candidate\" }}\n\
         \n[[filter]]\nname = \"tagger\"\npath = {fixed:?}\nmode = \"canary\"\ncanary-percent = 50\n\
         [filter.config]\nlabels = {{ rollout = \"canary\" }}\n"
    )
}

/// The entry of a list of filters with this name.
fn named(filters: &Value, name: &str) -> Option<Value> {
    filters
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
        .cloned()
}

/// The position of the canary, the chain's last filter.
fn tagger_index(status: &Value) -> usize {
    status["filters"]
        .as_array()
        .and_then(|fs| fs.iter().position(|f| f["name"] == "tagger"))
        .expect("tagger")
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
    let chain_dir = tempfile::tempdir().expect("chain dir");
    let chain = chain_dir.path().join("chain");
    candidate_chain(&chain);
    let serve = Serve::start(cluster.rest_url(), data.path(), &serve_args(&chain));
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

    // Rollout: every failed job was classified by this chain; the canary applied to
    // exactly the jobs its hash picks, the same way on every failure of a job.
    let (_, status) = serve.get("/api/v1/chain");
    let version = status["version"].as_str().expect("version").to_owned();
    let tagger = named(&status["filters"], "tagger").expect("tagger");
    assert_eq!(tagger["mode"], "canary", "{status:#}");
    assert_eq!(tagger["canary_percent"], 50.0, "{status:#}");
    let mut jobs: Vec<&JobId> = failing.iter().map(|(_, _, j)| j).collect();
    jobs.push(&greedy);
    let mut in_share = 0;
    for job in &jobs {
        let ledger = serve.ledger(job);
        let expected = faultline_engine::canary_bucket("tagger", "test", job.as_str()) < 5000;
        in_share += usize::from(expected);
        for incident in ledger["incidents"].as_array().expect("incidents") {
            if incident["kind"] != "failure" {
                continue;
            }
            assert_eq!(incident["chain_version"], version.as_str(), "{incident:#}");
            let tagged = incident["labels"]["rollout"] == "canary";
            assert_eq!(tagged, expected, "job {}: {incident:#}", job.as_str());
            let report = named(&incident["filters"], "tagger").expect("tagger report");
            assert_eq!(report["canary"], expected, "{report:#}");
            let shadow = named(&incident["filters"], "always-system").expect("shadow report");
            assert_eq!(shadow["labels"]["blame"], "system", "{shadow:#}");
            assert_ne!(incident["labels"]["category"], "candidate", "{incident:#}");
        }
    }
    eprintln!(
        "canary: {in_share} of {} failed jobs in its share",
        jobs.len()
    );
    let (_, rollout) = serve.get("/api/v1/rollout?window=1d");
    let shadow =
        named(&rollout["filters"], "always-system").unwrap_or_else(|| panic!("{rollout:#}"));
    assert_eq!(shadow["mode"], "shadow");
    assert!(shadow["answered"].as_u64() >= Some(5), "{shadow:#}");
    // It agrees only with the system verdict (TooManySlots); the user, resource and
    // dependency failures are disagreements with down time at stake.
    assert!(shadow["agreed"].as_u64() >= Some(1), "{shadow:#}");
    assert!(shadow["agreement"].as_f64() < Some(0.5), "{shadow:#}");
    assert!(
        shadow["confusion"]["system"]["user"].as_u64() >= Some(2),
        "{shadow:#}"
    );
    assert!(
        secs(&shadow["downtime_at_stake_seconds"]) > 0.0,
        "{shadow:#}"
    );
    let disagreements = shadow["disagreements"].as_array().expect("disagreements");
    assert!(
        disagreements.iter().any(|d| d["enforced"]
            .as_str()
            .is_some_and(|e| e.starts_with("dependency/"))),
        "{shadow:#}"
    );
    let canary = named(&rollout["filters"], "tagger").expect("canary in the report");
    assert_eq!(canary["mode"], "canary");
    assert_eq!(
        canary["applied"].as_u64() > Some(0),
        in_share > 0,
        "{canary:#}"
    );

    // The same report from the stored history.
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["rollout", "--json", "--data"])
        .arg(data.path())
        .output()
        .expect("rollout");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: Value = serde_json::from_slice(&out.stdout).expect("json");
    let stored_shadow =
        named(&stored["filters"], "always-system").expect("shadow in the stored report");
    assert_eq!(stored_shadow["answered"], shadow["answered"], "{stored:#}");

    // POST /api/v1/classify: a trace in, the verdict with the chain version out; a body
    // over the limit is refused with 413.
    let trace = b"java.lang.IllegalStateException: boom\n\tat com.acme.Job.map(Job.java:1)\n";
    let (code, verdict) = serve.request("POST", "/api/v1/classify", trace);
    assert_eq!(code, 200, "{verdict:#}");
    assert_eq!(verdict["chain_version"], version.as_str(), "{verdict:#}");
    assert!(verdict["labels"]["blame"].is_string(), "{verdict:#}");
    let (code, refused) = serve.request("POST", "/api/v1/classify", &vec![b'x'; 5 << 20]);
    assert_eq!(code, 413, "{refused:#}");
    let (code, _) = serve.request("POST", "/api/v1/classify", b"\0\0\0");
    assert_eq!(code, 400);

    // Promote nothing, change the shadow filter on disk: serve picks it up by itself.
    let manifest = std::fs::read_to_string(chain.join("chain.toml")).expect("manifest");
    let changed = manifest.replace(&candidates("system"), &candidates("dependency"));
    assert_ne!(changed, manifest);
    std::fs::write(chain.join("chain.toml"), changed).expect("rewrite");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, v) = serve.request("POST", "/api/v1/classify", trace);
        let shadow_blame = v["filters"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["name"] == "always-system"))
            .map(|f| f["labels"]["blame"].clone());
        if shadow_blame == Some(Value::from("dependency")) {
            assert_ne!(v["chain_version"], version.as_str());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the changed chain was never loaded: {v:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A broken manifest keeps the last good chain and shows the error.
    std::fs::write(chain.join("chain.toml"), "[[filter]]\nname = 1\n").expect("break");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, status) = serve.get("/api/v1/chain");
        if status["last_failed_reload"]["error"].is_string() {
            assert_eq!(
                status["filters"].as_array().map(Vec::len),
                Some(tagger_index(&status) + 1)
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the broken chain was never reported: {status:#}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, v) = serve.request("POST", "/api/v1/classify", trace);
    assert_eq!(code, 200, "{v:#}");
    std::fs::write(chain.join("chain.toml"), manifest).expect("restore");

    // Faultline itself restarts: it resumes from its data, and the time it was away is
    // unobserved, not up.
    let status = serve.stop();
    assert!(status.success(), "{status:?}");
    std::thread::sleep(Duration::from_secs(3));
    let serve = Serve::start(cluster.rest_url(), data.path(), &serve_args(&chain));
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
