//! The poll loop of one cluster: read what changed, turn it into events, back off when
//! the cluster is away and mark what was not observed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use faultline_flink_rest::{self as rest, FlinkRestClient};
use faultline_ledger::{Event, EventKind, Millis};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use crate::classify::Classifier;
use crate::track::JobTracker;

/// How to watch one cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// A short name, the prefix of its jobs' ledger keys.
    pub name: String,
    /// The REST API's base URL.
    pub url: String,
    /// Time between polls.
    pub poll_interval: Duration,
    /// The longest wait between retries while the cluster is unreachable.
    pub max_backoff: Duration,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// `maxExceptions` asked of the exception history.
    pub max_exceptions: u32,
}

impl ClusterConfig {
    /// Defaults for `url`: poll every second, back off up to 30 s, 5 s request timeout.
    pub fn new(name: &str, url: &str) -> ClusterConfig {
        ClusterConfig {
            name: name.to_owned(),
            url: url.to_owned(),
            poll_interval: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(5),
            max_exceptions: 64,
        }
    }
}

/// What a watcher reports of itself, for the API.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterStatus {
    /// The cluster's name.
    pub name: String,
    /// Its REST URL.
    pub url: String,
    /// Whether the last poll succeeded.
    pub reachable: bool,
    /// Time of the last successful poll.
    pub last_ok: Option<Millis>,
    /// The last error, if the last poll failed.
    pub last_error: Option<String>,
    /// Polls made.
    pub polls: u64,
    /// Polls that failed.
    pub errors: u64,
    /// Jobs tracked.
    pub jobs: usize,
}

/// The wall clock in milliseconds since the epoch.
pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

/// Watches one cluster.
pub struct Watcher {
    config: ClusterConfig,
    client: FlinkRestClient,
    classifier: Classifier,
    jobs: HashMap<String, JobTracker>,
    watch_start: Option<Millis>,
    last_ok: Option<Millis>,
    blind: bool,
    /// The poll error last logged as a warning: the same error is not repeated
    /// every backoff, only when it changes and when the cluster answers again.
    warned: Option<String>,
    task_managers: Option<HashSet<String>>,
    /// Keys of jobs the ledger knew before this process started, not seen yet.
    known: HashSet<String>,
    status: Arc<Mutex<ClusterStatus>>,
}

impl Watcher {
    /// A watcher of `config`'s cluster.
    pub fn new(config: ClusterConfig, classifier: Classifier) -> Result<Watcher, rest::Error> {
        let client = FlinkRestClient::builder(&config.url)
            .timeout(config.request_timeout)
            .build()?;
        let status = ClusterStatus {
            name: config.name.clone(),
            url: config.url.clone(),
            ..ClusterStatus::default()
        };
        Ok(Watcher {
            config,
            client,
            classifier,
            jobs: HashMap::new(),
            watch_start: None,
            last_ok: None,
            blind: false,
            warned: None,
            task_managers: None,
            known: HashSet::new(),
            status: Arc::new(Mutex::new(status)),
        })
    }

    /// Jobs (ledger keys) known from before a restart: they are followed to their end
    /// even if they ended while Faultline was down.
    pub fn resume(mut self, keys: impl IntoIterator<Item = String>) -> Watcher {
        let prefix = format!("{}/", self.config.name);
        self.known
            .extend(keys.into_iter().filter(|k| k.starts_with(&prefix)));
        self
    }

    /// A handle on the watcher's status, updated after every poll.
    pub fn status(&self) -> Arc<Mutex<ClusterStatus>> {
        self.status.clone()
    }

    /// Polls until `shutdown` turns true or the receiver of `events` is gone.
    pub async fn run(
        mut self,
        events: mpsc::Sender<Vec<Event>>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut wait = self.config.poll_interval;
        loop {
            let started = Instant::now();
            let mut out = Vec::new();
            let result = self.poll(&mut out).await;
            let ok = result.is_ok();
            if let Err(e) = result {
                self.on_error(&e, &mut out);
                wait = (wait * 2).clamp(self.config.poll_interval, self.config.max_backoff);
            } else {
                wait = self.config.poll_interval;
            }
            self.update_status(ok);
            if !out.is_empty() && events.send(out).await.is_err() {
                return;
            }
            let sleep = wait.saturating_sub(if ok {
                started.elapsed()
            } else {
                Duration::ZERO
            });
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    fn update_status(&mut self, ok: bool) {
        if ok && self.warned.take().is_some() {
            tracing::warn!(cluster = %self.config.name, "cluster answers again");
        }
        if let Ok(mut s) = self.status.lock() {
            s.polls += 1;
            s.reachable = ok;
            s.last_ok = self.last_ok;
            s.jobs = self.jobs.len();
            if ok {
                s.last_error = None;
            } else {
                s.errors += 1;
            }
        }
    }

    fn on_error(&mut self, e: &rest::Error, out: &mut Vec<Event>) {
        let text = e.to_string();
        if self.warned.as_deref() == Some(text.as_str()) {
            tracing::debug!(cluster = %self.config.name, error = %e, "poll failed again");
        } else {
            tracing::warn!(cluster = %self.config.name, error = %e, "poll failed; retrying with backoff until it answers");
            self.warned = Some(text);
        }
        if let Ok(mut s) = self.status.lock() {
            s.last_error = Some(e.to_string());
        }
        if self.blind {
            return;
        }
        let Some(last_ok) = self.last_ok else { return };
        self.blind = true;
        for job in self.jobs.values_mut() {
            job.go_blind(last_ok, out);
        }
    }

    /// One poll: the jobs overview, the TaskManagers, and every job that changed.
    pub async fn poll(&mut self, out: &mut Vec<Event>) -> Result<(), rest::Error> {
        let overview = self.client.jobs_overview().await?;
        let now = now_ms();
        let watch_start = *self.watch_start.get_or_insert(now);
        let recovered = std::mem::take(&mut self.blind);
        if recovered {
            tracing::info!(cluster = %self.config.name, "cluster reachable again");
        }
        let slack = (self.config.poll_interval * 2).as_millis() as Millis;

        // TaskManagers that went away since the last poll.
        match self.client.task_managers().await {
            Ok(tms) => {
                let current: HashSet<String> = tms.taskmanagers.into_iter().map(|t| t.id).collect();
                if let Some(before) = &self.task_managers {
                    for lost in before.difference(&current) {
                        for job in self
                            .jobs
                            .values()
                            .filter(|j| !j.terminal && j.runs_on(lost))
                        {
                            out.push(Event {
                                at: now,
                                job: job.key.clone(),
                                kind: EventKind::TaskManagerLost {
                                    task_manager: lost.clone(),
                                },
                            });
                        }
                    }
                }
                self.task_managers = Some(current);
            }
            Err(e) => {
                tracing::debug!(cluster = %self.config.name, error = %e, "cannot list TaskManagers")
            }
        }

        let mut listed = HashSet::new();
        for o in &overview.jobs {
            let id = o.jid.as_str().to_owned();
            listed.insert(id.clone());
            if !self.jobs.contains_key(&id) {
                let mut tracker = JobTracker::new(&self.config.name, o.jid.clone(), watch_start);
                // A job the ledger knows from before a restart is followed to its end
                // even if it ended meanwhile; an unknown one that ended before the watch
                // started is none of the accounting's business.
                let known = self.known.remove(&tracker.key);
                let ended_before_watch = o.state.as_ref().is_some_and(|s| s.is_globally_terminal())
                    && o.end_time > 0
                    && o.end_time < watch_start;
                if ended_before_watch && !known {
                    continue;
                }
                out.push(tracker.submitted(o, slack));
                // A job known from before was blind while Faultline was down: the first
                // good read ends that.
                tracker.blind = known;
                self.jobs.insert(id.clone(), tracker);
            }
            let Some(job) = self.jobs.get_mut(&id) else {
                continue;
            };
            if !job.blind && job.seen_overview.as_ref() == Some(&overview_signature(o)) {
                job.last_ok = Some(now);
                continue;
            }
            let mut events = Vec::new();
            let read = read_job(
                &self.client,
                &self.classifier,
                self.config.max_exceptions,
                job,
                &mut events,
            )
            .await;
            if read.is_ok() {
                if job.blind {
                    job.blind = false;
                    out.push(Event {
                        at: now,
                        job: job.key.clone(),
                        kind: EventKind::BlindEnd,
                    });
                }
                job.last_ok = Some(now);
            }
            out.append(&mut events);
            match read {
                // Flink serves job details from a cache refreshed every
                // `web.refresh-interval` (3 s): until they agree with the overview, read
                // again next poll.
                Ok(details) if agrees(o, &details) => {
                    job.seen_overview = Some(overview_signature(o))
                }
                Ok(_) => {
                    tracing::debug!(job = %job.key, "job details lag the overview; reading again")
                }
                // The job went away between the overview and its details: next poll.
                Err(e @ rest::Error::Status { status: 404, .. }) => {
                    tracing::warn!(cluster = %self.config.name, job = %job.key, error = %e, "job details not found; retrying next poll");
                }
                // One job's trouble (a 5xx or garbage for its details) makes only that
                // job unobserved, from its last good read, and never stops the others.
                Err(e) => {
                    tracing::warn!(cluster = %self.config.name, job = %job.key, error = %e, "cannot read a job; it is unobserved until it can be read");
                    job.go_blind(self.last_ok.unwrap_or(now), out);
                }
            }
        }
        // Jobs that vanished without ending (a JobManager restarted without HA, say):
        // what happens to them now is not observed.
        for (id, job) in &mut self.jobs {
            if !listed.contains(id) {
                job.go_blind(self.last_ok.unwrap_or(now), out);
            }
        }
        out.push(Event {
            at: now,
            job: format!("{}/", self.config.name),
            kind: EventKind::Observed,
        });
        self.last_ok = Some(now);
        Ok(())
    }
}

/// What tells that a job changed since the last full read.
fn overview_signature(
    o: &rest::JobOverview,
) -> (Millis, Option<rest::JobStatus>, rest::TaskCounts) {
    (o.last_modification, o.state.clone(), o.tasks.clone())
}

/// Whether job details show what the overview shows: the same status and task counts.
fn agrees(o: &rest::JobOverview, d: &rest::JobDetails) -> bool {
    if o.state != d.state {
        return false;
    }
    let mut counts: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for v in &d.vertices {
        for (state, n) in &v.tasks {
            *counts
                .entry(state.as_str().to_ascii_lowercase())
                .or_insert(0) += n;
        }
    }
    let t = &o.tasks;
    let get = |k: &str| counts.get(k).copied().unwrap_or(0);
    [
        (t.created, "created"),
        (t.scheduled, "scheduled"),
        (t.deploying, "deploying"),
        (t.initializing, "initializing"),
        (t.running, "running"),
        (t.finished, "finished"),
        (t.canceling, "canceling"),
        (t.canceled, "canceled"),
        (t.failed, "failed"),
        (t.reconciling, "reconciling"),
    ]
    .iter()
    .all(|(n, k)| *n == get(k))
}

/// Reads a job in full and reports what is new; returns the details read.
async fn read_job(
    client: &FlinkRestClient,
    classifier: &Classifier,
    max_exceptions: u32,
    job: &mut JobTracker,
    out: &mut Vec<Event>,
) -> Result<rest::JobDetails, rest::Error> {
    let details = client.job(&job.id).await?;
    job.on_details(&details, out);
    for v in &details.vertices {
        let vertex = client.vertex(&job.id, &v.id).await?;
        let times = client.subtask_times(&job.id, &v.id).await?;
        job.on_vertex(&vertex, &times, out);
    }
    let exceptions = client.exceptions(&job.id, Some(max_exceptions)).await?;
    job.on_exceptions(&exceptions, classifier, out);
    Ok(details)
}
