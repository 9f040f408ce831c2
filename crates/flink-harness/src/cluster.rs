//! A standalone Flink cluster (one JobManager, N TaskManagers) in a temporary directory.

use std::fmt;
use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::dist::{FlinkDist, JOBS_PACKAGE, flink_dist, jobs_jar, run};
use crate::error::{Error, IoContext, Result};
use crate::http::{self, Response};
use crate::proc::{Jvm, process_state};

/// Timeout of one harness REST call; Flink answers in milliseconds unless it is dying.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How often waits poll.
const POLL: Duration = Duration::from_millis(200);

/// Log lines included in errors.
const LOG_TAIL_LINES: usize = 40;

/// What Flink does when a job fails (`restart-strategy.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartStrategy {
    /// `restart-strategy.type: none`: the first failure fails the job (as capture.sh).
    None,
    /// `restart-strategy.type: fixed-delay` with this many attempts and this delay between them.
    FixedDelay {
        /// Restarts before the job fails for good.
        attempts: u32,
        /// Wait before each restart.
        delay: Duration,
    },
    /// Write nothing: Flink's own default (exponential delay when checkpointing, else none).
    FlinkDefault,
}

impl RestartStrategy {
    /// Fixed delay, the usual choice of recovery tests (e.g. 3 attempts, 1 s).
    pub fn fixed_delay(attempts: u32, delay: Duration) -> Self {
        RestartStrategy::FixedDelay { attempts, delay }
    }

    fn config(&self) -> Vec<(String, String)> {
        match self {
            RestartStrategy::None => vec![("restart-strategy.type".into(), "none".into())],
            RestartStrategy::FixedDelay { attempts, delay } => vec![
                ("restart-strategy.type".into(), "fixed-delay".into()),
                (
                    "restart-strategy.fixed-delay.attempts".into(),
                    attempts.to_string(),
                ),
                (
                    "restart-strategy.fixed-delay.delay".into(),
                    format!("{} ms", delay.as_millis()),
                ),
            ],
            RestartStrategy::FlinkDefault => Vec::new(),
        }
    }
}

/// How to start a cluster.
#[derive(Debug, Clone)]
pub struct Options {
    /// TaskManagers started with the cluster (more can be added with `start_task_manager`).
    pub task_managers: usize,
    /// `taskmanager.numberOfTaskSlots`.
    pub slots_per_tm: u32,
    /// The restart strategy of every job on the cluster.
    pub restart: RestartStrategy,
    /// Extra `config.yaml` entries (flat keys, YAML values written verbatim); they win over the harness's.
    pub config: Vec<(String, String)>,
    /// Extra JVM flags for every JVM.
    pub jvm_opts: Vec<String>,
    /// How long `start` waits for the REST API and the TaskManagers.
    pub startup_timeout: Duration,
    /// Plugin folders copied into the cluster's `plugins/` before start: (folder name, source).
    pub plugins: Vec<(String, PathBuf)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            task_managers: 1,
            slots_per_tm: 2,
            restart: RestartStrategy::None,
            config: Vec::new(),
            jvm_opts: Vec::new(),
            startup_timeout: Duration::from_secs(120),
            plugins: Vec::new(),
        }
    }
}

impl Options {
    /// Sets the number of TaskManagers started with the cluster.
    pub fn with_task_managers(mut self, n: usize) -> Self {
        self.task_managers = n;
        self
    }

    /// Sets the slots of each TaskManager.
    pub fn with_slots_per_tm(mut self, n: u32) -> Self {
        self.slots_per_tm = n;
        self
    }

    /// Sets the restart strategy.
    pub fn with_restart(mut self, restart: RestartStrategy) -> Self {
        self.restart = restart;
        self
    }

    /// Adds (or overrides) one `config.yaml` entry.
    pub fn with_config(mut self, key: &str, value: &str) -> Self {
        self.config.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Installs a plugin: `dir` is copied to `plugins/<name>/` of the cluster before it starts.
    pub fn with_plugin(mut self, name: &str, dir: &Path) -> Self {
        self.plugins.push((name.to_owned(), dir.to_path_buf()));
        self
    }
}

/// A job id as Flink returns it (32 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub String);

impl JobId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A running standalone Flink cluster; dropping it kills every JVM it started.
#[derive(Debug)]
pub struct FlinkCluster {
    dist: FlinkDist,
    work_dir: PathBuf,
    conf_dir: PathBuf,
    log_dir: PathBuf,
    plugins_dir: PathBuf,
    rest_addr: SocketAddr,
    rest_url: String,
    java_opts: Vec<String>,
    tm_jvm_flags: Vec<String>,
    tm_dynamic: Vec<String>,
    jobmanager: Mutex<Jvm>,
    task_managers: Mutex<Vec<Jvm>>,
    jar_id: Mutex<Option<String>>,
    options: Options,
    // Last, so that it is removed only after the JVMs are dead (fields drop after `Drop::drop`).
    _work: Option<tempfile::TempDir>,
}

/// Three distinct free loopback ports, found by binding port 0 (all held until all are chosen).
fn free_ports<const N: usize>() -> Result<[u16; N]> {
    let mut held = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in ports.iter_mut() {
        let l = TcpListener::bind("127.0.0.1:0").ctx(|| "binding a free port".into())?;
        *port = l.local_addr().ctx(|| "reading a bound port".into())?.port();
        held.push(l);
    }
    Ok(ports)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic in another test thread must not make teardown impossible.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FlinkCluster {
    /// Writes the configuration, starts the JobManager and TaskManagers and waits until the
    /// REST API answers and every TaskManager is registered.
    pub fn start(options: Options) -> Result<FlinkCluster> {
        let started = Instant::now();
        let dist = flink_dist()?;
        let work = tempfile::Builder::new()
            .prefix("faultline-flink-")
            .tempdir()
            .ctx(|| "creating the cluster's work directory".into())?;
        let work_dir = work.path().to_path_buf();
        let keep = std::env::var("FAULTLINE_FLINK_KEEP").is_ok_and(|v| v == "1");
        let work = if keep {
            eprintln!("flink-harness: keeping {}", work.keep().display());
            None
        } else {
            Some(work)
        };
        let conf_dir = work_dir.join("conf");
        let log_dir = work_dir.join("log");
        let plugins_dir = work_dir.join("plugins");
        for d in [
            &conf_dir,
            &log_dir,
            &plugins_dir,
            &work_dir.join("tmp"),
            &work_dir.join("web"),
        ] {
            fs::create_dir_all(d).ctx(|| format!("creating {}", d.display()))?;
        }
        for (name, from) in &options.plugins {
            copy_dir(from, &plugins_dir.join(name))?;
        }
        let [rest_port, rpc_port, blob_port] = free_ports::<3>()?;
        write_config(
            &conf_dir, &work_dir, &options, rest_port, rpc_port, blob_port,
        )?;

        let mut java_opts = dist.java_module_opts()?;
        java_opts.extend(options.jvm_opts.iter().cloned());
        // Both resource queries start a JVM (~0.6 s each): run them side by side.
        let (jm_params, tm_params) = std::thread::scope(|s| {
            let jm = s.spawn(|| resource_params(&dist, &conf_dir, "GET_JM_RESOURCE_PARAMS"));
            let tm = resource_params(&dist, &conf_dir, "GET_TM_RESOURCE_PARAMS");
            let jm = jm
                .join()
                .unwrap_or_else(|_| Err(Error::Setup("resource query thread panicked".into())));
            (jm, tm)
        });
        let (jm_jvm_flags, _) = jm_params?;
        let (tm_jvm_flags, tm_dynamic) = tm_params?;

        let rest_addr = SocketAddr::from(([127, 0, 0, 1], rest_port));
        let jm = spawn_jvm(
            &dist,
            &work_dir,
            &conf_dir,
            &log_dir,
            &plugins_dir,
            &java_opts,
            "jobmanager",
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            &jm_jvm_flags,
            &[],
        )?;
        let cluster = FlinkCluster {
            dist,
            work_dir,
            conf_dir,
            log_dir,
            plugins_dir,
            rest_addr,
            rest_url: format!("http://{rest_addr}"),
            java_opts,
            tm_jvm_flags,
            tm_dynamic,
            jobmanager: Mutex::new(jm),
            task_managers: Mutex::new(Vec::new()),
            jar_id: Mutex::new(None),
            options,
            _work: work,
        };
        // From here on, an error drops `cluster`, which kills what was started.
        for _ in 0..cluster.options.task_managers {
            cluster.start_task_manager()?;
        }
        cluster.wait_for_task_managers(
            cluster.options.task_managers,
            cluster.options.startup_timeout,
        )?;
        tracing::info!(
            rest = %cluster.rest_url,
            elapsed = ?started.elapsed(),
            "Flink cluster up"
        );
        Ok(cluster)
    }

    /// `http://127.0.0.1:<rest port>`.
    pub fn rest_url(&self) -> &str {
        &self.rest_url
    }

    /// The cluster's temporary directory (config, logs, Flink's tmp dirs).
    pub fn work_dir(&self) -> &Path {
        &self.work_dir
    }

    /// The directory of the JVMs' logs (`jobmanager.log`, `taskmanager-0.log`, `*.out`).
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The cluster's `plugins/` (`FLINK_PLUGINS_DIR`), where `Options::with_plugin` installs.
    pub fn plugins_dir(&self) -> &Path {
        &self.plugins_dir
    }

    /// The options the cluster was started with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The unpacked Flink the cluster runs.
    pub fn dist(&self) -> &FlinkDist {
        &self.dist
    }

    /// The last `lines` lines of the JobManager's log.
    pub fn jobmanager_log_tail(&self, lines: usize) -> String {
        lock(&self.jobmanager).log_tail(lines)
    }

    /// The JobManager's pid.
    pub fn jobmanager_pid(&self) -> u32 {
        lock(&self.jobmanager).pid()
    }

    /// Pids of every JVM this cluster started (JobManager first), dead or alive.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids = vec![self.jobmanager_pid()];
        pids.extend(lock(&self.task_managers).iter().map(Jvm::pid));
        pids
    }

    /// Number of TaskManagers started so far (killed ones included; indices are never reused).
    pub fn task_managers_started(&self) -> usize {
        lock(&self.task_managers).len()
    }

    /// The pid of TaskManager `i`.
    pub fn task_manager_pid(&self, i: usize) -> Result<u32> {
        lock(&self.task_managers)
            .get(i)
            .map(Jvm::pid)
            .ok_or(Error::NoSuchTaskManager(i))
    }

    /// The resource id TaskManager `i` registered with (as in `/taskmanagers` and subtasks'
    /// `taskmanager-id`), read from its log; `None` before it logged it.
    pub fn task_manager_resource_id(&self, i: usize) -> Result<Option<String>> {
        let log = lock(&self.task_managers)
            .get(i)
            .map(|tm| tm.log.clone())
            .ok_or(Error::NoSuchTaskManager(i))?;
        let text = fs::read_to_string(&log).unwrap_or_default();
        Ok(text.lines().find_map(|l| {
            l.split_once("Starting TaskManager with ResourceID: ")
                .map(|(_, id)| id.trim().to_owned())
        }))
    }

    /// Starts one more TaskManager (e.g. a replacement for a killed one); returns its index.
    /// It registers asynchronously: use [`FlinkCluster::wait_for_task_managers`].
    pub fn start_task_manager(&self) -> Result<usize> {
        let mut tms = lock(&self.task_managers);
        let i = tms.len();
        let jvm = spawn_jvm(
            &self.dist,
            &self.work_dir,
            &self.conf_dir,
            &self.log_dir,
            &self.plugins_dir,
            &self.java_opts,
            &format!("taskmanager-{i}"),
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            &self.tm_jvm_flags,
            &self.tm_dynamic,
        )?;
        tms.push(jvm);
        Ok(i)
    }

    /// SIGKILLs TaskManager `i` and reaps it: a lost machine, as Flink sees it.
    pub fn kill_task_manager(&self, i: usize) -> Result<()> {
        let mut tms = lock(&self.task_managers);
        let tm = tms.get_mut(i).ok_or(Error::NoSuchTaskManager(i))?;
        tracing::info!(tm = i, pid = tm.pid(), "SIGKILL TaskManager");
        tm.kill_and_wait();
        Ok(())
    }

    /// SIGSTOPs TaskManager `i` and waits until it is stopped: a hung machine; Flink
    /// notices after `heartbeat.timeout`.
    pub fn freeze_task_manager(&self, i: usize) -> Result<()> {
        let pid = self.signal_task_manager(i, libc::SIGSTOP, "freezing")?;
        // Signal delivery is asynchronous: return only once the kernel says it is stopped.
        self.wait_until(
            &format!("TaskManager {i} to stop"),
            Duration::from_secs(5),
            || Ok(matches!(process_state(pid), Some('T') | None)),
        )
    }

    /// SIGCONTs a frozen TaskManager `i` and waits until it runs again.
    pub fn thaw_task_manager(&self, i: usize) -> Result<()> {
        let pid = self.signal_task_manager(i, libc::SIGCONT, "thawing")?;
        self.wait_until(
            &format!("TaskManager {i} to resume"),
            Duration::from_secs(5),
            || Ok(process_state(pid) != Some('T')),
        )
    }

    fn signal_task_manager(&self, i: usize, sig: libc::c_int, what: &str) -> Result<u32> {
        let tms = lock(&self.task_managers);
        let tm = tms.get(i).ok_or(Error::NoSuchTaskManager(i))?;
        tracing::info!(tm = i, pid = tm.pid(), "{what} TaskManager");
        tm.signal(sig)
            .ctx(|| format!("{what} TaskManager {i} (pid {})", tm.pid()))?;
        Ok(tm.pid())
    }

    /// True while TaskManager `i`'s process exists (frozen counts as alive).
    pub fn task_manager_alive(&self, i: usize) -> Result<bool> {
        let mut tms = lock(&self.task_managers);
        let tm = tms.get_mut(i).ok_or(Error::NoSuchTaskManager(i))?;
        Ok(tm.exit_status().is_none())
    }

    /// Kills every JVM now and waits for them (what `Drop` does, callable early).
    pub fn shutdown(&self) {
        let mut tms = lock(&self.task_managers);
        // Signal all first, then reap, so that teardown takes one JVM exit, not N.
        for tm in tms.iter() {
            let _ = tm.signal(libc::SIGKILL);
        }
        let _ = lock(&self.jobmanager).signal(libc::SIGKILL);
        for tm in tms.iter_mut() {
            tm.kill_and_wait();
        }
        lock(&self.jobmanager).kill_and_wait();
    }

    // ----- REST -----

    fn http(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Response> {
        http::request(
            self.rest_addr,
            method,
            path,
            content_type,
            body,
            HTTP_TIMEOUT,
        )
        .ctx(|| format!("{method} {}{path}", self.rest_url))
    }

    fn expect_ok(&self, method: &str, path: &str, r: Response) -> Result<Response> {
        if (200..300).contains(&r.status) {
            Ok(r)
        } else {
            Err(Error::Http {
                method: method.into(),
                path: path.into(),
                status: r.status,
                body: flink_error_line(&r.body),
            })
        }
    }

    /// `GET path` and parse the JSON body (an error for non-2xx statuses).
    pub fn get_json(&self, path: &str) -> Result<Value> {
        let r = self.http("GET", path, None, &[])?;
        self.expect_ok("GET", path, r)?.json(&format!("GET {path}"))
    }

    fn post_json(&self, path: &str, body: &Value) -> Result<Value> {
        let bytes = body.to_string().into_bytes();
        let r = self.http("POST", path, Some("application/json"), &bytes)?;
        self.expect_ok("POST", path, r)?
            .json(&format!("POST {path}"))
    }

    /// Uploads the test jobs jar (compiling it first if needed) once per cluster; returns Flink's jar id.
    pub fn upload_jobs_jar(&self) -> Result<String> {
        let mut cached = lock(&self.jar_id);
        if let Some(id) = cached.as_ref() {
            return Ok(id.clone());
        }
        let jar = jobs_jar()?;
        let id = self.upload_jar(&jar)?;
        *cached = Some(id.clone());
        Ok(id)
    }

    /// `POST /jars/upload` (multipart) of any jar; returns Flink's jar id.
    pub fn upload_jar(&self, jar: &Path) -> Result<String> {
        let bytes = fs::read(jar).ctx(|| format!("reading {}", jar.display()))?;
        let name = jar
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "job.jar".into());
        let (content_type, body) = http::multipart_file("jarfile", &name, &bytes);
        let path = "/jars/upload";
        let r = self.http("POST", path, Some(&content_type), &body)?;
        let v = self.expect_ok("POST", path, r)?.json("POST /jars/upload")?;
        // {"filename": "/tmp/.../flink-web-upload/<uuid>_jobs.jar", "status": "success"}
        v.get("filename")
            .and_then(Value::as_str)
            .and_then(|f| f.rsplit('/').next())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| Error::Response {
                context: "POST /jars/upload".into(),
                message: format!("no filename in {v}"),
            })
    }

    /// Runs a test job: `entry_class` is `Steady` or a fully qualified class name;
    /// `parallelism` overrides the job's default when given.
    pub fn run_job(
        &self,
        entry_class: &str,
        args: &[&str],
        parallelism: Option<u32>,
    ) -> Result<JobId> {
        let jar = self.upload_jobs_jar()?;
        let class = if entry_class.contains('.') {
            entry_class.to_owned()
        } else {
            format!("{JOBS_PACKAGE}.{entry_class}")
        };
        let mut body = serde_json::json!({ "entryClass": class, "programArgsList": args });
        if let Some(p) = parallelism {
            body["parallelism"] = p.into();
        }
        let path = format!("/jars/{jar}/run");
        let v = self.post_json(&path, &body)?;
        let id = v
            .get("jobid")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Response {
                context: format!("POST {path}"),
                message: format!("no jobid in {v}"),
            })?;
        tracing::info!(job = id, class, "submitted");
        Ok(JobId(id.to_owned()))
    }

    /// The job's status (`state` of `/jobs/{id}`).
    pub fn job_status(&self, job: &JobId) -> Result<String> {
        let path = format!("/jobs/{job}");
        let v = self.get_json(&path)?;
        v.get("state")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::Response {
                context: format!("GET {path}"),
                message: "no state".into(),
            })
    }

    /// Waits until the job's status is `status` (e.g. `RUNNING`, `FAILED`); fails early when the
    /// job ends in another terminal status, with its newest exception.
    pub fn wait_for_job_status(&self, job: &JobId, status: &str, timeout: Duration) -> Result<()> {
        let mut last = String::new();
        self.wait_until(&format!("job {job} to be {status}"), timeout, || {
            // Right after submission the job may not be known yet: keep polling.
            let state = match self.job_status(job) {
                Ok(s) => s,
                Err(Error::Http { status: 404, .. }) => return Ok(false),
                Err(e) => return Err(e),
            };
            if state == status {
                return Ok(true);
            }
            if state != last {
                tracing::debug!(%job, %state, "job status");
                last = state.clone();
            }
            if matches!(state.as_str(), "FAILED" | "CANCELED" | "FINISHED") {
                return Err(Error::JobEnded {
                    job: job.to_string(),
                    status: state,
                    wanted: status.to_owned(),
                    failure: self.newest_failure(job).unwrap_or_default(),
                });
            }
            Ok(false)
        })
    }

    /// Waits until the job is RUNNING *and* every vertex is RUNNING (Flink calls a job
    /// RUNNING while its tasks are still scheduled or deploying).
    pub fn wait_for_tasks_running(&self, job: &JobId, timeout: Duration) -> Result<()> {
        self.wait_until(&format!("all tasks of job {job} to run"), timeout, || {
            let v = match self.get_json(&format!("/jobs/{job}")) {
                Ok(v) => v,
                Err(Error::Http { status: 404, .. }) => return Ok(false),
                Err(e) => return Err(e),
            };
            let state = v.get("state").and_then(Value::as_str).unwrap_or_default();
            if matches!(state, "FAILED" | "CANCELED" | "FINISHED") {
                return Err(Error::JobEnded {
                    job: job.to_string(),
                    status: state.to_owned(),
                    wanted: "all tasks RUNNING".into(),
                    failure: self.newest_failure(job).unwrap_or_default(),
                });
            }
            let vertices = v.get("vertices").and_then(Value::as_array);
            Ok(state == "RUNNING"
                && vertices.is_some_and(|vs| {
                    !vs.is_empty()
                        && vs
                            .iter()
                            .all(|v| v.get("status").and_then(Value::as_str) == Some("RUNNING"))
                }))
        })
    }

    /// The first line of the job's newest exception-history entry.
    fn newest_failure(&self, job: &JobId) -> Option<String> {
        let v = self
            .get_json(&format!("/jobs/{job}/exceptions?maxExceptions=1"))
            .ok()?;
        v.pointer("/exceptionHistory/entries/0/stacktrace")
            .and_then(Value::as_str)
            .and_then(|s| s.lines().next())
            .map(str::to_owned)
    }

    /// Cancels the job (`PATCH /jobs/{id}?mode=cancel`); returns without waiting for CANCELED.
    pub fn cancel_job(&self, job: &JobId) -> Result<()> {
        let path = format!("/jobs/{job}?mode=cancel");
        let r = self.http("PATCH", &path, None, &[])?;
        self.expect_ok("PATCH", &path, r)?;
        Ok(())
    }

    /// Number of TaskManagers registered with the ResourceManager (`/overview`).
    pub fn registered_task_managers(&self) -> Result<usize> {
        let v = self.get_json("/overview")?;
        v.get("taskmanagers")
            .and_then(Value::as_u64)
            .map(|n| n as usize)
            .ok_or_else(|| Error::Response {
                context: "GET /overview".into(),
                message: format!("no taskmanagers count in {v}"),
            })
    }

    /// Waits until exactly `n` TaskManagers are registered (a killed one counts until Flink
    /// notices it is gone, a few seconds; a frozen one until `heartbeat.timeout`).
    pub fn wait_for_task_managers(&self, n: usize, timeout: Duration) -> Result<()> {
        self.wait_until(&format!("{n} registered TaskManager(s)"), timeout, || {
            match self.registered_task_managers() {
                Ok(count) => Ok(count == n),
                // The REST endpoint comes up a few seconds after the JVM starts.
                Err(Error::Io { .. }) | Err(Error::Http { .. }) => Ok(false),
                Err(e) => Err(e),
            }
        })
    }

    /// Polls `ready` until it says true; fails with the JobManager's log tail on timeout, and
    /// at once if the JobManager died.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut() -> Result<bool>,
    ) -> Result<()> {
        let start = Instant::now();
        loop {
            {
                let mut jm = lock(&self.jobmanager);
                if let Some(status) = jm.exit_status() {
                    return Err(Error::ProcessDied {
                        name: jm.name.clone(),
                        status,
                        log_tail: jm.log_tail(LOG_TAIL_LINES),
                    });
                }
            }
            if ready()? {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: what.to_owned(),
                    waited: start.elapsed(),
                    log_tail: self.jobmanager_log_tail(LOG_TAIL_LINES),
                });
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for FlinkCluster {
    fn drop(&mut self) {
        self.shutdown();
        tracing::debug!(work = %self.work_dir.display(), "Flink cluster stopped");
    }
}

/// From Flink's `{"errors": [...]}`: each error's first line and its `Caused by:` lines (the
/// useful part is often the cause); else the start of the body.
fn flink_error_line(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return http::snippet(body);
    };
    let Some(errors) = v.get("errors").and_then(Value::as_array) else {
        return http::snippet(body);
    };
    let mut parts = Vec::new();
    for e in errors.iter().filter_map(Value::as_str) {
        let mut lines = e.lines().map(str::trim).filter(|l| !l.is_empty());
        if let Some(first) = lines.next() {
            parts.push(first.to_owned());
        }
        parts.extend(
            lines
                .filter(|l| l.starts_with("Caused by:") || l.starts_with("org.apache.flink.client"))
                .map(str::to_owned),
        );
    }
    parts.join("\n")
}

/// Copies a directory tree (a plugin folder) file by file.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).ctx(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).ctx(|| format!("listing {}", from.display()))? {
        let path = entry.ctx(|| format!("listing {}", from.display()))?.path();
        let Some(name) = path.file_name() else { continue };
        let dest = to.join(name);
        if path.is_dir() {
            copy_dir(&path, &dest)?;
        } else {
            fs::copy(&path, &dest)
                .ctx(|| format!("copying {} to {}", path.display(), dest.display()))?;
        }
    }
    Ok(())
}

fn write_config(
    conf_dir: &Path,
    work_dir: &Path,
    options: &Options,
    rest_port: u16,
    rpc_port: u16,
    blob_port: u16,
) -> Result<()> {
    let work = work_dir.display();
    let mut entries: Vec<(String, String)> = [
        ("jobmanager.rpc.address", "127.0.0.1".to_owned()),
        ("jobmanager.rpc.port", rpc_port.to_string()),
        ("jobmanager.bind-host", "127.0.0.1".into()),
        ("jobmanager.memory.process.size", "1024m".into()),
        ("taskmanager.host", "127.0.0.1".into()),
        ("taskmanager.bind-host", "127.0.0.1".into()),
        ("taskmanager.rpc.port", "0".into()),
        ("taskmanager.data.port", "0".into()),
        ("taskmanager.memory.process.size", "1280m".into()),
        (
            "taskmanager.numberOfTaskSlots",
            options.slots_per_tm.to_string(),
        ),
        ("rest.address", "127.0.0.1".into()),
        ("rest.bind-address", "127.0.0.1".into()),
        ("rest.port", rest_port.to_string()),
        ("blob.server.port", blob_port.to_string()),
        ("metrics.internal.query-service.port", "0".into()),
        // Fail fast on lost TaskManagers and missing slots, as capture.sh does.
        ("slot.request.timeout", "10000".into()),
        ("heartbeat.interval", "2000".into()),
        ("heartbeat.timeout", "10000".into()),
        // Keep everything Flink writes inside the work directory.
        ("io.tmp.dirs", format!("{work}/tmp")),
        ("web.tmpdir", format!("{work}/web")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let overrides = options
        .restart
        .config()
        .into_iter()
        .chain(options.config.iter().cloned());
    for (k, v) in overrides {
        match entries.iter_mut().find(|(key, _)| *key == k) {
            Some(e) => e.1 = v,
            None => entries.push((k, v)),
        }
    }
    let mut yaml = String::from("# Written by faultline-flink-harness.\n");
    for (k, v) in &entries {
        yaml.push_str(&format!("{k}: {v}\n"));
    }
    let path = conf_dir.join("config.yaml");
    fs::write(&path, yaml).ctx(|| format!("writing {}", path.display()))?;
    let log4j = "rootLogger.level = INFO\n\
        rootLogger.appenderRef.file.ref = MainAppender\n\
        appender.main.name = MainAppender\n\
        appender.main.type = File\n\
        appender.main.fileName = ${sys:log.file}\n\
        appender.main.layout.type = PatternLayout\n\
        appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n\n";
    let path = conf_dir.join("log4j.properties");
    fs::write(&path, log4j).ctx(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Runs `BashJavaUtils <query>` as Flink's scripts do: returns (JVM memory flags, `-D` settings).
fn resource_params(
    dist: &FlinkDist,
    conf_dir: &Path,
    query: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!(
            "{}:{}",
            dist.bash_java_utils().display(),
            dist.classpath()
        ))
        .arg("org.apache.flink.runtime.util.bash.BashJavaUtils")
        .arg(query)
        .arg("--configDir")
        .arg(conf_dir)
        .stdin(Stdio::null());
    let out = run(&mut cmd, &format!("BashJavaUtils {query}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let results: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("BASH_JAVA_UTILS_EXEC_RESULT:"))
        .collect();
    let Some(jvm) = results.first() else {
        return Err(Error::Setup(format!(
            "BashJavaUtils {query} printed no result:\n{}",
            crate::dist::tail_lines(&stdout, 20)
        )));
    };
    let jvm = jvm.split_whitespace().map(str::to_owned).collect();
    // "-D key=value -D key=value": keep the pairs as separate arguments, as the scripts do.
    let dynamic = results
        .get(1)
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    Ok((jvm, dynamic))
}

#[allow(clippy::too_many_arguments)]
fn spawn_jvm(
    dist: &FlinkDist,
    work_dir: &Path,
    conf_dir: &Path,
    log_dir: &Path,
    plugins_dir: &Path,
    java_opts: &[String],
    name: &str,
    main_class: &str,
    jvm_flags: &[String],
    args: &[String],
) -> Result<Jvm> {
    let log = log_dir.join(format!("{name}.log"));
    let out = log_dir.join(format!("{name}.out"));
    let out_file = fs::File::create(&out).ctx(|| format!("creating {}", out.display()))?;
    let err_file = out_file
        .try_clone()
        .ctx(|| format!("duplicating {}", out.display()))?;
    let mut cmd = Command::new("java");
    cmd.args(java_opts)
        .args(jvm_flags)
        .arg(format!("-Dlog.file={}", log.display()))
        .arg(format!(
            "-Dlog4j.configurationFile=file:{}",
            conf_dir.join("log4j.properties").display()
        ))
        .arg("-cp")
        .arg(dist.classpath())
        .arg(main_class)
        .arg("--configDir")
        .arg(conf_dir)
        .args(args)
        .current_dir(work_dir)
        // Flink loads plugins from $FLINK_PLUGINS_DIR, else ./plugins, and refuses to start on a
        // plugin directory without jars (this repository has one): point it at an empty one.
        .env("FLINK_PLUGINS_DIR", plugins_dir)
        .stdin(Stdio::null())
        .stdout(out_file)
        .stderr(err_file);
    Jvm::spawn(name, cmd, log.clone(), out.clone()).ctx(|| format!("starting the {name} JVM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_overrides_replace_defaults_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options::default()
            .with_restart(RestartStrategy::fixed_delay(3, Duration::from_millis(1500)))
            .with_config("heartbeat.timeout", "4000")
            .with_config("restart-strategy.fixed-delay.attempts", "5")
            .with_config("state.backend.type", "hashmap");
        write_config(dir.path(), Path::new("/w"), &options, 1, 2, 3).unwrap();
        let yaml = fs::read_to_string(dir.path().join("config.yaml")).unwrap();
        let value = |key: &str| {
            let found: Vec<&str> = yaml
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{key}: ")))
                .collect();
            assert_eq!(found.len(), 1, "{key} once in:\n{yaml}");
            found[0].to_owned()
        };
        assert_eq!(value("rest.port"), "1");
        assert_eq!(value("jobmanager.rpc.port"), "2");
        assert_eq!(value("blob.server.port"), "3");
        assert_eq!(value("heartbeat.timeout"), "4000");
        assert_eq!(value("restart-strategy.type"), "fixed-delay");
        assert_eq!(value("restart-strategy.fixed-delay.delay"), "1500 ms");
        assert_eq!(value("restart-strategy.fixed-delay.attempts"), "5");
        assert_eq!(value("state.backend.type"), "hashmap");
        assert_eq!(value("io.tmp.dirs"), "/w/tmp");
        let default = Options::default().with_restart(RestartStrategy::FlinkDefault);
        write_config(dir.path(), Path::new("/w"), &default, 1, 2, 3).unwrap();
        let yaml = fs::read_to_string(dir.path().join("config.yaml")).unwrap();
        assert!(!yaml.contains("restart-strategy"), "{yaml}");
    }

    #[test]
    fn flink_error_lines_keep_first_lines_and_causes() {
        let body = br#"{"errors":["Internal server error.","<Exception on server side:\norg.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'x.NoSuchJob' was not found in the jar file.\n\tat a.b(C.java:1)\nCaused by: java.lang.ClassNotFoundException: x.NoSuchJob\n\tat d.e(F.java:2)\n"]}"#;
        let line = flink_error_line(body);
        assert!(
            line.starts_with("Internal server error.\n<Exception on server side:"),
            "{line}"
        );
        assert!(line.contains("ProgramInvocationException"), "{line}");
        assert!(
            line.contains("Caused by: java.lang.ClassNotFoundException: x.NoSuchJob"),
            "{line}"
        );
        assert!(!line.contains("C.java"), "{line}");
        assert_eq!(flink_error_line(b"oops"), "oops");
    }
}
