//! The JSON the API returns: jobs, their ledgers and incidents, in seconds.

use std::collections::BTreeMap;

use faultline_ledger::event::FilterOutcome;
use faultline_ledger::{Account, Incident, Job, Millis, Role, StageTimes};
use faultline_model::Blame;
use serde::Serialize;

fn secs(ms: Millis) -> f64 {
    ms as f64 / 1000.0
}

/// A job in `GET /api/v1/jobs`.
#[derive(Debug, Serialize)]
pub struct JobView {
    /// Flink's job id.
    pub job: String,
    /// The ledger key, `<cluster>/<job id>`.
    pub key: String,
    /// The cluster's name.
    pub cluster: String,
    /// The job's name.
    pub name: String,
    /// Faultline's stage.
    pub stage: &'static str,
    /// Flink's job status.
    pub flink_status: Option<&'static str>,
    /// When the job entered its stage (ms since the epoch).
    pub stage_since: Millis,
    /// Seconds since Faultline first saw the job, up to its clock.
    pub lifetime_seconds: f64,
    /// Up / (up + down) since Faultline first saw the job.
    pub availability: Option<f64>,
    /// Seconds down.
    pub downtime_seconds: f64,
    /// Seconds down by blame.
    pub down_by_blame: BTreeMap<&'static str, f64>,
    /// Incidents recorded (closed ones kept, plus the open one).
    pub incidents: usize,
    /// The open incident, if the job is down now.
    pub open_incident: Option<IncidentView>,
}

/// `GET /api/v1/jobs/{id}/ledger`.
#[derive(Debug, Serialize)]
pub struct LedgerView {
    /// The job.
    #[serde(flatten)]
    pub job: JobView,
    /// Seconds per stage; they add up to `lifetime_seconds`.
    pub stages: StageTimes,
    /// Seconds per account: up, each blame, planned, startup, unobserved, ended.
    pub accounts: BTreeMap<&'static str, f64>,
    /// Every incident kept, oldest first (the open one last).
    #[serde(rename = "incidents")]
    pub incident_list: Vec<IncidentView>,
    /// Older incidents no longer kept in memory (the event log has them).
    pub incidents_dropped: u64,
}

/// One incident.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    /// Its id within the job.
    pub id: u64,
    /// failure, unexplained, startup, planned or stuck.
    pub kind: faultline_ledger::IncidentKind,
    /// The root's blame (or `planned`, `startup`).
    pub blame: &'static str,
    /// The root's category.
    pub category: String,
    /// Start (ms since the epoch).
    pub start: Millis,
    /// End, `null` while open.
    pub end: Option<Millis>,
    /// Seconds down (charged to someone).
    pub downtime_seconds: f64,
    /// Seconds by stage, over all causes.
    pub stages: StageTimes,
    /// "13m = 1m SCHEDULING + 1m DEPLOYING + 11m INITIALIZING".
    pub breakdown: String,
    /// Seconds by blame, when causes split it.
    pub by_blame: BTreeMap<&'static str, f64>,
    /// The root failure's labels (or the stall's).
    pub labels: BTreeMap<String, String>,
    /// Which filter set each label.
    pub provenance: BTreeMap<String, String>,
    /// Each filter of the chain: its outcome and what it answered, applied or not.
    pub filters: Vec<FilterOutcome>,
    /// The version of the chain that classified the root failure.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub chain_version: String,
    /// The root exception's first line.
    pub exception: Option<String>,
    /// The failed task.
    pub task: Option<String>,
    /// The TaskManager it ran on.
    pub task_manager: Option<String>,
    /// Every cause with its share.
    pub causes: Vec<CauseView>,
    /// A region failover (Flink's job status stayed RUNNING).
    pub partial: bool,
    /// Failures folded in.
    pub concurrent_failures: u32,
    /// TaskManagers lost while it was open.
    pub task_managers_lost: u32,
    /// Seconds not observed inside it.
    pub unobserved_seconds: f64,
}

/// One cause of an incident.
#[derive(Debug, Clone, Serialize)]
pub struct CauseView {
    /// root, secondary, slow-cancellation, slow-startup.
    pub role: Role,
    /// When.
    pub at: Millis,
    /// Whom it is charged to.
    pub blame: &'static str,
    /// Its category.
    pub category: String,
    /// Seconds it owns.
    pub seconds: f64,
    /// Seconds by stage.
    pub stages: StageTimes,
    /// The failure's first line, if a failure.
    pub exception: Option<String>,
}

impl IncidentView {
    /// The view of `i`.
    pub fn of(i: &Incident) -> IncidentView {
        let root = i.root();
        let failure = root.and_then(|c| c.failure.as_ref());
        let stages = i.stages();
        IncidentView {
            id: i.id,
            kind: i.kind,
            blame: i.account().as_str(),
            category: i.category().to_owned(),
            start: i.start,
            end: i.end,
            downtime_seconds: secs(i.downtime_ms()),
            breakdown: stages.breakdown(),
            stages,
            by_blame: i
                .by_account()
                .into_iter()
                .map(|(k, v)| (k, secs(v)))
                .collect(),
            labels: failure.map_or_else(
                || root.map(|c| c.labels.clone()).unwrap_or_default(),
                |f| f.labels.clone(),
            ),
            provenance: failure.map(|f| f.provenance.clone()).unwrap_or_default(),
            filters: failure.map(|f| f.filters.clone()).unwrap_or_default(),
            chain_version: failure.map(|f| f.chain_version.clone()).unwrap_or_default(),
            exception: failure.map(|f| f.exception.clone()),
            task: failure.and_then(|f| f.task.clone()),
            task_manager: failure.and_then(|f| f.task_manager.clone()),
            causes: i
                .causes
                .iter()
                .map(|c| CauseView {
                    role: c.role,
                    at: c.at,
                    blame: c.account.as_str(),
                    category: c.category.clone(),
                    seconds: secs(c.stages.total()),
                    stages: c.stages,
                    exception: c.failure.as_ref().map(|f| f.exception.clone()),
                })
                .collect(),
            partial: i.partial,
            concurrent_failures: i.concurrent_count,
            task_managers_lost: i.task_managers_lost,
            unobserved_seconds: secs(i.unobserved_ms),
        }
    }
}

/// Splits `cluster/job-id`.
fn split_key(key: &str) -> (&str, &str) {
    key.rsplit_once('/').unwrap_or(("", key))
}

impl JobView {
    /// The view of `job` (already settled).
    pub fn of(job: &Job) -> JobView {
        let (cluster, id) = split_key(&job.key);
        JobView {
            job: id.to_owned(),
            key: job.key.clone(),
            cluster: cluster.to_owned(),
            name: job.name.clone(),
            stage: job.stage.as_str(),
            flink_status: job.status().map(|s| s.as_str()),
            stage_since: job.stage_since,
            lifetime_seconds: secs(job.clock - job.born),
            availability: job.totals.availability(),
            downtime_seconds: secs(job.totals.downtime()),
            down_by_blame: Blame::ALL
                .into_iter()
                .map(|b| (b.as_str(), secs(job.totals.down_of(b))))
                .collect(),
            incidents: job.all_incidents().count(),
            open_incident: job.current_incident().map(IncidentView::of),
        }
    }
}

impl LedgerView {
    /// The view of `job` (already settled).
    pub fn of(job: &Job) -> LedgerView {
        let t = &job.totals;
        let mut accounts: BTreeMap<&'static str, f64> = Blame::ALL
            .into_iter()
            .map(|b| (Account::Down(b).as_str(), secs(t.down_of(b))))
            .collect();
        accounts.insert("up", secs(t.up));
        accounts.insert("planned", secs(t.planned));
        accounts.insert("startup", secs(t.startup));
        accounts.insert("unobserved", secs(t.unobserved));
        accounts.insert("ended", secs(t.ended));
        LedgerView {
            job: JobView::of(job),
            stages: job.stages,
            accounts,
            incident_list: job.all_incidents().map(IncidentView::of).collect(),
            incidents_dropped: job.incidents_dropped,
        }
    }
}
