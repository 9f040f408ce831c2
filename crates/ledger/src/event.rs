//! What the ledger consumes: job and task transitions, failures, stalls and blind spans,
//! each stamped with the time it happened in Flink.

use std::collections::BTreeMap;

use faultline_model::FailureType;
use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch, in Flink's clock.
pub type Millis = i64;

/// One thing that happened to a job, at the time it happened.
///
/// The types here are the event log's on-disk format (postcard): fields are only ever
/// appended to the end of a variant list, never reordered, and no serde attribute that
/// skips fields is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened, in Flink's clock.
    pub at: Millis,
    /// The job it concerns. For [`EventKind::Observed`] also empty (every job) or a
    /// prefix ending in `/` (every job of one source, e.g. `cluster-1/`).
    pub job: String,
    /// What happened.
    pub kind: EventKind,
}

/// The kinds of event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// The job became known: its name, and whether this is a fresh submission (its first
    /// start is then a `startup` incident) or a job found already running.
    Submitted { name: String, fresh: bool },
    /// The job's vertices and their parallelism; the job is RUNNING only when all of these
    /// tasks are.
    Topology { vertices: Vec<Vertex> },
    /// A job status transition.
    JobStatus { status: JobStatus },
    /// A task (one subtask attempt) changed execution state.
    Task {
        vertex: String,
        subtask: u32,
        attempt: u32,
        state: ExecutionState,
    },
    /// A classified failure as logs before chain versions kept it; read, never
    /// written ([`Event::upgrade`] turns it into [`EventKind::Failure`]).
    FailureV1(Box<FailureV1>),
    /// A TaskManager went away.
    TaskManagerLost { task_manager: String },
    /// The job is RUNNING but makes no progress; the labels blame the stall.
    StuckStart { labels: BTreeMap<String, String> },
    /// The job makes progress again.
    StuckEnd,
    /// The source stopped seeing the job: time from here is unobserved.
    BlindStart,
    /// The source sees the job again.
    BlindEnd,
    /// The user asked for something that takes the job down on purpose.
    Requested { action: UserAction },
    /// The source saw the job (or, with an empty job, every job of the ledger) unchanged
    /// at this time: moves the clock without a transition.
    Observed,
    /// A classified failure.
    Failure(Box<Failure>),
}

impl Event {
    /// The event in the current format: a [`EventKind::FailureV1`] read from an older
    /// log becomes a [`EventKind::Failure`] with no chain version.
    pub fn upgrade(mut self) -> Event {
        if let EventKind::FailureV1(old) = self.kind {
            self.kind = EventKind::Failure(Box::new(old.upgrade()));
        }
        self
    }
}

/// A vertex of the job graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vertex {
    /// Flink's vertex id.
    pub id: String,
    /// Its name, for display.
    pub name: String,
    /// How many subtasks it has.
    pub parallelism: u32,
}

/// A planned action of the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UserAction {
    /// Cancel the job.
    Cancel,
    /// Stop the job with a savepoint.
    StopWithSavepoint,
    /// Redeploy it (upgrade, rescale, configuration change).
    Redeploy,
}

/// A failure with its classification; the raw text is kept so that the past can be
/// re-classified by a newer chain (`faultline replay`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Failure {
    /// Unique per job, stable across polls (the collector derives it from Flink's
    /// exception history), so that a failure seen twice counts once.
    pub id: String,
    /// Flink's failure type.
    pub failure_type: FailureType,
    /// The failed task's name, when Flink names one.
    pub task: Option<String>,
    /// The failed subtask index.
    pub subtask: Option<u32>,
    /// The TaskManager the task ran on.
    pub task_manager: Option<String>,
    /// The stack trace as Flink reported it.
    pub stacktrace: String,
    /// The classifier's labels (`blame`, `category`, ...).
    pub labels: BTreeMap<String, String>,
    /// For each label, the filter that set it.
    pub provenance: BTreeMap<String, String>,
    /// Each filter of the chain: its outcome and what it answered, applied or not.
    pub filters: Vec<FilterOutcome>,
    /// The version of the chain that classified it (empty: before versions, or labels
    /// that came without one).
    pub chain_version: String,
    /// When a canary's labels took effect: what the enforcing filters alone answered.
    pub baseline: Option<BTreeMap<String, String>>,
}

/// One filter's part in a failure's classification, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FilterOutcome {
    /// The filter's name.
    pub name: String,
    /// `ok`, `skipped: <reason>` or `not-run`.
    pub outcome: String,
    /// The filter's version.
    #[serde(default)]
    pub version: String,
    /// `enforce`, `shadow` or `canary`.
    #[serde(default)]
    pub mode: String,
    /// For a canary: whether this failure was in its share.
    #[serde(default)]
    pub canary: Option<bool>,
    /// The labels it answered, applied or not.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Time of the call in microseconds.
    #[serde(default)]
    pub micros: u64,
}

impl Failure {
    /// Takes labels, provenance, the chain version and every filter's answer from a
    /// chain's classification.
    pub fn set_classification(&mut self, c: &faultline_model::Classification) {
        self.labels = c.labels.clone();
        self.provenance = c.provenance.clone();
        self.chain_version = c.chain_version.clone();
        self.baseline = c.baseline.clone();
        self.filters = c
            .filters
            .iter()
            .map(|f| FilterOutcome {
                name: f.name.clone(),
                outcome: match &f.outcome {
                    faultline_model::Outcome::Ok => "ok".to_owned(),
                    faultline_model::Outcome::NotRun => "not-run".to_owned(),
                    faultline_model::Outcome::Skipped(reason) => format!("skipped: {reason}"),
                },
                version: f.version.clone(),
                mode: f.mode.as_str().to_owned(),
                canary: f.canary,
                labels: f.labels.clone(),
                micros: f.micros,
            })
            .collect();
    }

    /// The answer a candidate (shadow or canary) filter is measured against: the
    /// enforcing filters' labels.
    pub fn enforced(&self) -> &BTreeMap<String, String> {
        self.baseline.as_ref().unwrap_or(&self.labels)
    }
}

/// [`Failure`] as logs before chain versions kept it (postcard is positional: the old
/// layout stays readable under its own variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureV1 {
    pub id: String,
    pub failure_type: FailureType,
    pub task: Option<String>,
    pub subtask: Option<u32>,
    pub task_manager: Option<String>,
    pub stacktrace: String,
    pub labels: BTreeMap<String, String>,
    pub provenance: BTreeMap<String, String>,
    pub filters: Vec<FilterOutcomeV1>,
}

/// [`FilterOutcome`] as logs before chain versions kept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOutcomeV1 {
    pub name: String,
    pub outcome: String,
}

impl FailureV1 {
    fn upgrade(self) -> Failure {
        Failure {
            id: self.id,
            failure_type: self.failure_type,
            task: self.task,
            subtask: self.subtask,
            task_manager: self.task_manager,
            stacktrace: self.stacktrace,
            labels: self.labels,
            provenance: self.provenance,
            filters: self
                .filters
                .into_iter()
                .map(|f| FilterOutcome {
                    name: f.name,
                    outcome: f.outcome,
                    ..FilterOutcome::default()
                })
                .collect(),
            chain_version: String::new(),
            baseline: None,
        }
    }
}

macro_rules! flink_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Flink's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses Flink's spelling; `None` for a value this version does not know.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

flink_enum! {
    /// Flink's `JobStatus`.
    JobStatus {
        /// Submitted, being set up by the dispatcher (Flink 1.13+).
        Initializing = "INITIALIZING",
        /// Created, not yet scheduled.
        Created = "CREATED",
        /// Running: some or all tasks are scheduled or running.
        Running = "RUNNING",
        /// Failing: tasks are being cancelled after a failure.
        Failing = "FAILING",
        /// Failed for good.
        Failed = "FAILED",
        /// Being cancelled.
        Cancelling = "CANCELLING",
        /// Cancelled.
        Canceled = "CANCELED",
        /// Finished.
        Finished = "FINISHED",
        /// Restarting after a failure.
        Restarting = "RESTARTING",
        /// Suspended: the JobManager lost leadership; another will recover it.
        Suspended = "SUSPENDED",
        /// Being reconciled after a JobManager failover.
        Reconciling = "RECONCILING",
    }
}

flink_enum! {
    /// Flink's `ExecutionState`.
    ExecutionState {
        /// Created, waiting to be scheduled.
        Created = "CREATED",
        /// Waiting for a slot.
        Scheduled = "SCHEDULED",
        /// Being deployed to a TaskManager.
        Deploying = "DEPLOYING",
        /// Restoring state and opening functions.
        Initializing = "INITIALIZING",
        /// Running.
        Running = "RUNNING",
        /// Finished (bounded input).
        Finished = "FINISHED",
        /// Being cancelled.
        Canceling = "CANCELING",
        /// Cancelled.
        Canceled = "CANCELED",
        /// Failed.
        Failed = "FAILED",
        /// Being reconciled after a JobManager failover.
        Reconciling = "RECONCILING",
    }
}

impl JobStatus {
    /// Whether the job is done for good in this JobManager.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Failed | JobStatus::Canceled | JobStatus::Finished
        )
    }
}
