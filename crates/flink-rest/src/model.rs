//! Response models of the Flink REST endpoints the collector polls.
//!
//! Field names are Flink's (checked against a real Flink 2.3.0 cluster and
//! flink-runtime's `rest.messages` classes). Every field is optional or
//! defaulted and unknown fields are ignored, because the API grows between
//! releases (1.15+ added `endpoint`, `status-duration`, failure labels; 2.x
//! added `application-id`; 2.0 dropped the legacy `root-exception`).
//!
//! Flink's conventions kept as they are: `-1` is "not set" for start/end times
//! and durations, and `0` is "never entered" in the per-status `timestamps` maps.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Flink's placeholder for the endpoint or TaskManager id of a task with no slot.
pub const UNASSIGNED: &str = "(unassigned)";

/// Returns `Some(t)` for a set Flink time and `None` for Flink's "not set" (`-1`) or "never" (`0`).
pub fn known_time(t: i64) -> Option<i64> {
    (t > 0).then_some(t)
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know (a newer Flink), kept verbatim.
            Other(String),
        }

        impl $name {
            /// Parses Flink's name, case-insensitively; unknown names become `Other`.
            pub fn parse(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Other(s.to_owned())
            }

            /// Flink's name for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Via String so that it also works as a JSON map key.
                let s = String::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

string_enum! {
    /// A job's status (`org.apache.flink.api.common.JobStatus`).
    JobStatus {
        /// Submitted, the JobMaster is being set up.
        Initializing => "INITIALIZING",
        /// Created, no task scheduled yet.
        Created => "CREATED",
        /// Some tasks are scheduled or running (not necessarily all: see docs/design.md).
        Running => "RUNNING",
        /// Failed, waiting for tasks to be cancelled.
        Failing => "FAILING",
        /// Failed for good.
        Failed => "FAILED",
        /// Being cancelled.
        Cancelling => "CANCELLING",
        /// Cancelled.
        Canceled => "CANCELED",
        /// All tasks finished.
        Finished => "FINISHED",
        /// Being restarted after a failure.
        Restarting => "RESTARTING",
        /// Suspended (JobManager lost leadership); not terminal globally.
        Suspended => "SUSPENDED",
        /// Reconciling with running tasks after a JobManager failover.
        Reconciling => "RECONCILING",
    }
}

impl JobStatus {
    /// True for FAILED, CANCELED and FINISHED: the job will not change again.
    pub fn is_globally_terminal(&self) -> bool {
        matches!(
            self,
            JobStatus::Failed | JobStatus::Canceled | JobStatus::Finished
        )
    }
}

string_enum! {
    /// A task attempt's state (`org.apache.flink.runtime.execution.ExecutionState`).
    ExecutionState {
        /// Created, no slot requested yet.
        Created => "CREATED",
        /// Waiting for a slot.
        Scheduled => "SCHEDULED",
        /// Being sent to a TaskManager.
        Deploying => "DEPLOYING",
        /// Running on a TaskManager.
        Running => "RUNNING",
        /// Finished.
        Finished => "FINISHED",
        /// Being cancelled.
        Canceling => "CANCELING",
        /// Cancelled.
        Canceled => "CANCELED",
        /// Failed.
        Failed => "FAILED",
        /// Reconciling after a JobManager failover.
        Reconciling => "RECONCILING",
        /// Restoring state, opening operators.
        Initializing => "INITIALIZING",
    }
}

impl ExecutionState {
    /// True for FINISHED, CANCELED and FAILED: this attempt is over.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ExecutionState::Finished | ExecutionState::Canceled | ExecutionState::Failed
        )
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as Flink prints it (32 hex digits).
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }
    };
}

id_type! {
    /// A job id (`jid`).
    JobId
}
id_type! {
    /// A job vertex id.
    VertexId
}

/// Accepts a JSON number, a numeric string, `"NaN"` or null, because Jackson
/// writes non-finite doubles as strings and a metric must not fail the whole document.
fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.parse::<f64>().ok(),
        _ => None,
    })
}

/// `GET /config`: the web UI's view of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DashboardConfig {
    /// The web UI's refresh interval in milliseconds.
    #[serde(rename = "refresh-interval")]
    pub refresh_interval: Option<i64>,
    /// The JobManager's time zone name.
    #[serde(rename = "timezone-name")]
    pub timezone_name: Option<String>,
    /// The JobManager's time zone offset in milliseconds.
    #[serde(rename = "timezone-offset")]
    pub timezone_offset: Option<i64>,
    /// Flink's version, e.g. `2.3.0`.
    #[serde(rename = "flink-version")]
    pub flink_version: Option<String>,
    /// Flink's git revision and build date.
    #[serde(rename = "flink-revision")]
    pub flink_revision: Option<String>,
    /// Web UI feature flags (`web-submit`, `web-cancel`, ...).
    pub features: BTreeMap<String, serde_json::Value>,
}

/// `GET /overview`: cluster-wide counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterOverview {
    /// Registered TaskManagers.
    pub taskmanagers: u32,
    /// Slots of all registered TaskManagers.
    #[serde(rename = "slots-total")]
    pub slots_total: u32,
    /// Free slots.
    #[serde(rename = "slots-available")]
    pub slots_available: u32,
    /// Blocked TaskManagers (Flink 1.16+).
    #[serde(rename = "taskmanagers-blocked")]
    pub taskmanagers_blocked: Option<u32>,
    /// Free slots on blocked TaskManagers (Flink 1.16+).
    #[serde(rename = "slots-free-and-blocked")]
    pub slots_free_and_blocked: Option<u32>,
    /// Jobs running (any non-terminal status).
    #[serde(rename = "jobs-running")]
    pub jobs_running: u32,
    /// Jobs finished.
    #[serde(rename = "jobs-finished")]
    pub jobs_finished: u32,
    /// Jobs cancelled.
    #[serde(rename = "jobs-cancelled")]
    pub jobs_cancelled: u32,
    /// Jobs failed.
    #[serde(rename = "jobs-failed")]
    pub jobs_failed: u32,
    /// Flink's version.
    #[serde(rename = "flink-version")]
    pub flink_version: Option<String>,
    /// Flink's short git commit.
    #[serde(rename = "flink-commit")]
    pub flink_commit: Option<String>,
}

/// `GET /jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobsOverview {
    /// Every job the JobManager knows, running or archived.
    pub jobs: Vec<JobOverview>,
}

/// One job in `/jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobOverview {
    /// The job id.
    pub jid: JobId,
    /// The job name.
    pub name: String,
    /// The job status; `None` only if Flink omitted it.
    pub state: Option<JobStatus>,
    /// `STREAMING` or `BATCH`.
    #[serde(rename = "jobType")]
    pub job_type: Option<String>,
    /// Epoch ms the job was submitted.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// Epoch ms the job reached a terminal status, `-1` if not yet.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Milliseconds from start to end (or to now).
    pub duration: i64,
    /// Epoch ms of the last status change of the job or one of its tasks.
    #[serde(rename = "last-modification")]
    pub last_modification: i64,
    /// Task counts by state.
    pub tasks: TaskCounts,
}

/// Task counts by state, in the lower-case form of `/jobs/overview`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskCounts {
    /// All tasks.
    pub total: u32,
    /// CREATED tasks.
    pub created: u32,
    /// SCHEDULED tasks.
    pub scheduled: u32,
    /// DEPLOYING tasks.
    pub deploying: u32,
    /// INITIALIZING tasks.
    pub initializing: u32,
    /// RUNNING tasks.
    pub running: u32,
    /// FINISHED tasks.
    pub finished: u32,
    /// CANCELING tasks.
    pub canceling: u32,
    /// CANCELED tasks.
    pub canceled: u32,
    /// FAILED tasks.
    pub failed: u32,
    /// RECONCILING tasks.
    pub reconciling: u32,
}

/// `GET /jobs/{id}`: a job's status, status times and vertices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobDetails {
    /// The job id.
    pub jid: JobId,
    /// The job name.
    pub name: String,
    /// The job status; `None` only if Flink omitted it.
    pub state: Option<JobStatus>,
    /// The application wrapping the job (Flink 2.x).
    #[serde(rename = "application-id")]
    pub application_id: Option<String>,
    /// Whether the job can be stopped gracefully.
    #[serde(rename = "isStoppable")]
    pub is_stoppable: Option<bool>,
    /// `STREAMING` or `BATCH` (Flink 1.19+).
    #[serde(rename = "job-type")]
    pub job_type: Option<String>,
    /// Epoch ms the job was submitted.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// Epoch ms the job reached a terminal status, `-1` if not yet.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Milliseconds from start to end (or to `now`).
    pub duration: i64,
    /// The job's max parallelism, `-1` if not set.
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: Option<i64>,
    /// The JobManager's clock when it answered (epoch ms).
    pub now: i64,
    /// Epoch ms of the *last* entry into each status; `0` = never entered.
    pub timestamps: BTreeMap<JobStatus, i64>,
    /// The job's vertices (chained operators).
    pub vertices: Vec<JobVertexSummary>,
    /// Number of vertices in each state.
    #[serde(rename = "status-counts")]
    pub status_counts: BTreeMap<ExecutionState, u32>,
}

impl JobDetails {
    /// The last time the job entered `status`, if it ever did.
    pub fn entered(&self, status: &JobStatus) -> Option<i64> {
        self.timestamps.get(status).copied().and_then(known_time)
    }
}

/// A vertex as listed in `/jobs/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobVertexSummary {
    /// The vertex id.
    pub id: VertexId,
    /// The vertex name (chained operator names joined by ` -> `).
    pub name: String,
    /// Current parallelism.
    pub parallelism: u32,
    /// Max parallelism.
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: Option<i64>,
    /// The slot sharing group (Flink 1.17+).
    #[serde(rename = "slotSharingGroupId")]
    pub slot_sharing_group_id: Option<String>,
    /// Aggregate state of the vertex's subtasks.
    pub status: Option<ExecutionState>,
    /// Epoch ms the first subtask started deploying, `-1` if none has.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// Epoch ms the vertex ended, `-1` if not yet.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Milliseconds from start to end (or now), `-1` if not started.
    pub duration: i64,
    /// Subtask counts by state (all ten keys present in Flink 2.3, zeros included).
    pub tasks: BTreeMap<ExecutionState, u32>,
    /// I/O and busy-time metrics summed over the subtasks.
    pub metrics: Option<IoMetrics>,
}

/// I/O and time metrics of a vertex or subtask (`IOMetricsInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IoMetrics {
    /// Bytes read from upstream tasks (not from sources' external systems).
    #[serde(rename = "read-bytes")]
    pub read_bytes: Option<i64>,
    /// Whether `read_bytes` covers every subtask.
    #[serde(rename = "read-bytes-complete")]
    pub read_bytes_complete: Option<bool>,
    /// Bytes written to downstream tasks.
    #[serde(rename = "write-bytes")]
    pub write_bytes: Option<i64>,
    /// Whether `write_bytes` covers every subtask.
    #[serde(rename = "write-bytes-complete")]
    pub write_bytes_complete: Option<bool>,
    /// Records read from upstream tasks.
    #[serde(rename = "read-records")]
    pub read_records: Option<i64>,
    /// Whether `read_records` covers every subtask.
    #[serde(rename = "read-records-complete")]
    pub read_records_complete: Option<bool>,
    /// Records written to downstream tasks.
    #[serde(rename = "write-records")]
    pub write_records: Option<i64>,
    /// Whether `write_records` covers every subtask.
    #[serde(rename = "write-records-complete")]
    pub write_records_complete: Option<bool>,
    /// Milliseconds back-pressured, accumulated.
    #[serde(
        rename = "accumulated-backpressured-time",
        deserialize_with = "lenient_f64"
    )]
    pub accumulated_backpressured_time: Option<f64>,
    /// Milliseconds idle, accumulated.
    #[serde(rename = "accumulated-idle-time", deserialize_with = "lenient_f64")]
    pub accumulated_idle_time: Option<f64>,
    /// Milliseconds busy, accumulated (a double in Flink; may be `NaN`).
    #[serde(rename = "accumulated-busy-time", deserialize_with = "lenient_f64")]
    pub accumulated_busy_time: Option<f64>,
}

/// `GET /jobs/{id}/vertices/{vid}`: the current attempt of each subtask.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VertexDetails {
    /// The vertex id.
    pub id: VertexId,
    /// The vertex name.
    pub name: String,
    /// Current parallelism.
    pub parallelism: u32,
    /// Max parallelism.
    #[serde(rename = "maxParallelism")]
    pub max_parallelism: Option<i64>,
    /// The JobManager's clock when it answered (epoch ms).
    pub now: i64,
    /// One entry per subtask: its current (latest) attempt.
    pub subtasks: Vec<SubtaskDetails>,
}

/// One subtask's current attempt in `/jobs/{id}/vertices/{vid}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtaskDetails {
    /// The subtask index, from 0.
    pub subtask: u32,
    /// The attempt's state.
    pub status: Option<ExecutionState>,
    /// The attempt number, from 0; one more per restart of this subtask.
    pub attempt: u32,
    /// `host:dataPort` of the TaskManager, or [`UNASSIGNED`] (Flink 1.15+).
    pub endpoint: Option<String>,
    /// The pre-1.15 name of `endpoint`.
    pub host: Option<String>,
    /// Epoch ms the attempt started DEPLOYING, `-1` if it has not.
    #[serde(rename = "start-time")]
    pub start_time: i64,
    /// Epoch ms the attempt ended, `-1` if not yet.
    #[serde(rename = "end-time")]
    pub end_time: i64,
    /// Milliseconds since DEPLOYING (to end or now), `-1` if not deployed.
    pub duration: i64,
    /// The TaskManager's resource id, or [`UNASSIGNED`].
    #[serde(rename = "taskmanager-id")]
    pub taskmanager_id: Option<String>,
    /// Milliseconds this attempt spent in each state; `-1` = never entered (Flink 1.17+).
    #[serde(rename = "status-duration")]
    pub status_duration: Option<BTreeMap<ExecutionState, i64>>,
    /// The attempt's I/O metrics.
    pub metrics: Option<IoMetrics>,
    /// Other attempts running at the same time (speculative execution).
    #[serde(rename = "other-concurrent-attempts")]
    pub other_concurrent_attempts: Vec<SubtaskDetails>,
}

impl SubtaskDetails {
    /// The TaskManager endpoint, from `endpoint` or the older `host`; `None` when unassigned.
    pub fn assigned_endpoint(&self) -> Option<&str> {
        self.endpoint
            .as_deref()
            .or(self.host.as_deref())
            .filter(|e| *e != UNASSIGNED)
    }
}

/// `GET /jobs/{id}/vertices/{vid}/subtasktimes`: state-entry times of each subtask's current attempt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtaskTimes {
    /// The vertex id.
    pub id: VertexId,
    /// The vertex name.
    pub name: String,
    /// The JobManager's clock when it answered (epoch ms).
    pub now: i64,
    /// One entry per subtask.
    pub subtasks: Vec<SubtaskTimesEntry>,
}

/// One subtask in `/subtasktimes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubtaskTimesEntry {
    /// The subtask index, from 0.
    pub subtask: u32,
    /// `host:dataPort` of the TaskManager, or [`UNASSIGNED`] (Flink 1.15+).
    pub endpoint: Option<String>,
    /// The pre-1.15 name of `endpoint`.
    pub host: Option<String>,
    /// Milliseconds from the attempt's first state entry to its end (or now).
    pub duration: i64,
    /// Epoch ms the current attempt entered each state; `0` = not entered.
    /// Only the current attempt: a restart resets all of them.
    pub timestamps: BTreeMap<ExecutionState, i64>,
}

impl SubtaskTimesEntry {
    /// The time the current attempt entered `state`, if it did.
    pub fn entered(&self, state: &ExecutionState) -> Option<i64> {
        self.timestamps.get(state).copied().and_then(known_time)
    }
}

/// `GET /jobs/{id}/exceptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobExceptions {
    /// The bounded history of failures, newest first.
    #[serde(rename = "exceptionHistory")]
    pub exception_history: ExceptionHistory,
    /// The newest root exception (removed in Flink 2.0; use the history).
    #[serde(rename = "root-exception")]
    pub root_exception: Option<String>,
    /// Time of the legacy root exception (removed in Flink 2.0).
    pub timestamp: Option<i64>,
    /// The legacy list's truncation flag (removed in Flink 2.0).
    pub truncated: Option<bool>,
}

/// The `exceptionHistory` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExceptionHistory {
    /// Failures, newest first; each is a root failure that triggered a restart or the final failure.
    pub entries: Vec<ExceptionEntry>,
    /// True when more entries exist than were returned (`maxExceptions`).
    pub truncated: bool,
}

/// One failure in the exception history (also used for its concurrent exceptions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExceptionEntry {
    /// The exception's class name.
    #[serde(rename = "exceptionName")]
    pub exception_name: String,
    /// The Java stack trace as printed by `printStackTrace`.
    pub stacktrace: String,
    /// Epoch ms of the failure.
    pub timestamp: i64,
    /// Labels from FailureEnrichers (Flink 1.18+).
    #[serde(rename = "failureLabels")]
    pub failure_labels: BTreeMap<String, String>,
    /// The failed task, e.g. `Map (1/2) - execution #3`; absent for global failures.
    #[serde(rename = "taskName")]
    pub task_name: Option<String>,
    /// The failed task's TaskManager `host:dataPort` (Flink 1.15+).
    pub endpoint: Option<String>,
    /// The pre-1.15 name of `endpoint`.
    pub location: Option<String>,
    /// The failed task's TaskManager resource id (Flink 1.15+).
    #[serde(rename = "taskManagerId")]
    pub task_manager_id: Option<String>,
    /// Failures handled together with this one (root entries only).
    #[serde(rename = "concurrentExceptions")]
    pub concurrent_exceptions: Vec<ExceptionEntry>,
}

impl ExceptionEntry {
    /// The TaskManager endpoint from `endpoint` or the older `location`.
    pub fn endpoint_or_location(&self) -> Option<&str> {
        self.endpoint.as_deref().or(self.location.as_deref())
    }
}

/// `GET /taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskManagers {
    /// The registered TaskManagers.
    pub taskmanagers: Vec<TaskManagerInfo>,
}

/// One registered TaskManager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskManagerInfo {
    /// The resource id, e.g. `127.0.0.1:37979-c280c2` (matches subtasks' `taskmanager-id`).
    pub id: String,
    /// The RPC path.
    pub path: Option<String>,
    /// The data port (the port in subtasks' `endpoint`).
    #[serde(rename = "dataPort")]
    pub data_port: Option<i64>,
    /// The JMX port, `-1` if none.
    #[serde(rename = "jmxPort")]
    pub jmx_port: Option<i64>,
    /// Despite its name: epoch ms of the last heartbeat received.
    #[serde(rename = "timeSinceLastHeartbeat")]
    pub time_since_last_heartbeat: Option<i64>,
    /// Number of slots.
    #[serde(rename = "slotsNumber")]
    pub slots_number: u32,
    /// Free slots.
    #[serde(rename = "freeSlots")]
    pub free_slots: u32,
    /// Tasks deployed on it (Flink 2.x).
    #[serde(rename = "assignedTasks")]
    pub assigned_tasks: Option<u32>,
    /// Whether the TaskManager is blocked (Flink 1.16+).
    pub blocked: Option<bool>,
    /// The machine's hardware as the TaskManager sees it.
    pub hardware: Option<Hardware>,
}

/// Hardware of a TaskManager.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hardware {
    /// CPU cores.
    #[serde(rename = "cpuCores")]
    pub cpu_cores: Option<i64>,
    /// Physical memory in bytes.
    #[serde(rename = "physicalMemory")]
    pub physical_memory: Option<i64>,
    /// The JVM's free memory in bytes.
    #[serde(rename = "freeMemory")]
    pub free_memory: Option<i64>,
    /// Managed memory in bytes.
    #[serde(rename = "managedMemory")]
    pub managed_memory: Option<i64>,
}
