//! One job as the collector sees it across polls: what it already reported, so that each
//! poll turns only what is new into events, at Flink's own times.

use std::collections::{HashMap, VecDeque};

use faultline_flink_rest as rest;
use faultline_ledger::{Event, EventKind, ExecutionState, Failure, JobStatus, Millis, Vertex};

use crate::classify::{Classifier, failure_type};

/// How many exception-history ids a job remembers (Flink keeps 16 entries by default).
const SEEN_EXCEPTIONS: usize = 256;

/// A subtask's latest attempt and the newest state time already reported for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TaskMark {
    attempt: u32,
    newest: Millis,
}

/// What the collector knows of one job.
#[derive(Debug, Clone)]
pub struct JobTracker {
    /// The ledger's key: `<cluster>/<job id>`.
    pub key: String,
    /// Flink's job id.
    pub id: rest::JobId,
    /// Nothing before this time is reported: the collector was not watching.
    watch_start: Millis,
    /// What the overview said at the last full read: `last-modification`, status and
    /// task counts. Flink's `last-modification` follows task changes only, so a job
    /// status change alone (RESTARTING → FAILED) shows in the status.
    pub seen_overview: Option<(Millis, Option<rest::JobStatus>, rest::TaskCounts)>,
    status: Option<JobStatus>,
    status_newest: Millis,
    topology: Vec<Vertex>,
    tasks: HashMap<(String, u32), TaskMark>,
    /// TaskManager of each subtask's current attempt.
    task_managers: HashMap<(String, u32), String>,
    seen: VecDeque<String>,
    /// The job reached a terminal status; nothing more will change.
    pub terminal: bool,
    /// Between a `BlindStart` and a `BlindEnd`.
    pub blind: bool,
    /// The last poll that saw this job as it is.
    pub last_ok: Option<Millis>,
}

impl JobTracker {
    /// A job first seen in the overview.
    pub fn new(cluster: &str, id: rest::JobId, watch_start: Millis) -> JobTracker {
        JobTracker {
            key: format!("{cluster}/{}", id.as_str()),
            id,
            watch_start,
            seen_overview: None,
            status: None,
            status_newest: Millis::MIN,
            topology: Vec::new(),
            tasks: HashMap::new(),
            task_managers: HashMap::new(),
            seen: VecDeque::new(),
            terminal: false,
            blind: false,
            last_ok: None,
        }
    }

    fn event(&self, at: Millis, kind: EventKind) -> Event {
        Event {
            at: at.max(self.watch_start),
            job: self.key.clone(),
            kind,
        }
    }

    /// The first sighting: the job's name and whether it started while watched.
    pub fn submitted(&self, overview: &rest::JobOverview, slack: Millis) -> Event {
        let fresh = overview.start_time >= self.watch_start.saturating_sub(slack);
        self.event(
            overview.start_time,
            EventKind::Submitted {
                name: overview.name.clone(),
                fresh,
            },
        )
    }

    /// Status transitions and topology from `/jobs/{id}`.
    pub fn on_details(&mut self, d: &rest::JobDetails, out: &mut Vec<Event>) {
        let topology: Vec<Vertex> = d
            .vertices
            .iter()
            .map(|v| Vertex {
                id: v.id.as_str().to_owned(),
                name: v.name.clone(),
                parallelism: v.parallelism,
            })
            .collect();
        if topology != self.topology && !topology.is_empty() {
            out.push(self.event(
                d.start_time.max(self.status_newest),
                EventKind::Topology {
                    vertices: topology.clone(),
                },
            ));
            self.topology = topology;
        }
        // Flink keeps the last entry into each status: every entry newer than what was
        // reported happened since, in time order.
        let mut entries: Vec<(Millis, JobStatus)> = d
            .timestamps
            .iter()
            .filter_map(|(s, t)| Some((rest::known_time(*t)?, JobStatus::parse(s.as_str())?)))
            .filter(|(t, _)| *t > self.status_newest)
            .collect();
        entries.sort_by_key(|(t, s)| (*t, status_order(*s)));
        tracing::debug!(job = %self.key, newest = self.status_newest, ?entries, state = ?d.state, "job details");
        for (t, status) in entries {
            if self.status != Some(status) {
                out.push(self.event(t, EventKind::JobStatus { status }));
                self.status = Some(status);
            }
            self.status_newest = self.status_newest.max(t);
        }
        // A status with no timestamp (older Flink): report it at the JobManager's now.
        if let Some(current) = d.state.as_ref().and_then(|s| JobStatus::parse(s.as_str()))
            && self.status != Some(current)
        {
            let at = if d.now > 0 { d.now } else { self.status_newest };
            out.push(self.event(at, EventKind::JobStatus { status: current }));
            self.status = Some(current);
        }
        self.terminal = self.status.is_some_and(JobStatus::is_terminal);
    }

    /// Task transitions from a vertex's details (attempts) and subtask times (times of
    /// the current attempt).
    pub fn on_vertex(
        &mut self,
        details: &rest::VertexDetails,
        times: &rest::SubtaskTimes,
        out: &mut Vec<Event>,
    ) {
        let vertex = details.id.as_str().to_owned();
        let attempts: HashMap<u32, &rest::SubtaskDetails> =
            details.subtasks.iter().map(|s| (s.subtask, s)).collect();
        for entry in &times.subtasks {
            let Some(sub) = attempts.get(&entry.subtask) else {
                continue;
            };
            let key = (vertex.clone(), entry.subtask);
            let mark = self.tasks.get(&key).copied();
            let newest = match mark {
                Some(m) if m.attempt == sub.attempt => m.newest,
                _ => Millis::MIN,
            };
            let mut states: Vec<(Millis, ExecutionState)> = entry
                .timestamps
                .iter()
                .filter_map(|(s, t)| {
                    Some((rest::known_time(*t)?, ExecutionState::parse(s.as_str())?))
                })
                .filter(|(t, _)| *t > newest)
                .collect();
            states.sort_by_key(|(t, s)| (*t, state_order(*s)));
            let mut max = newest;
            for (t, state) in states {
                out.push(self.event(
                    t,
                    EventKind::Task {
                        vertex: vertex.clone(),
                        subtask: entry.subtask,
                        attempt: sub.attempt,
                        state,
                    },
                ));
                max = max.max(t);
            }
            self.tasks.insert(
                key.clone(),
                TaskMark {
                    attempt: sub.attempt,
                    newest: max,
                },
            );
            match sub
                .taskmanager_id
                .as_deref()
                .filter(|t| *t != rest::UNASSIGNED)
            {
                Some(tm) => {
                    self.task_managers.insert(key, tm.to_owned());
                }
                None => {
                    self.task_managers.remove(&key);
                }
            }
        }
    }

    /// New failures from `/jobs/{id}/exceptions`, classified, oldest first.
    pub fn on_exceptions(
        &mut self,
        ex: &rest::JobExceptions,
        classifier: &Classifier,
        out: &mut Vec<Event>,
    ) {
        let mut entries: Vec<&rest::ExceptionEntry> = ex.exception_history.entries.iter().collect();
        entries.sort_by_key(|e| e.timestamp);
        for e in entries {
            let concurrent = e.concurrent_exceptions.first();
            let task = e
                .task_name
                .clone()
                .or_else(|| concurrent.and_then(|c| c.task_name.clone()));
            let id = format!(
                "{}/{}/{}",
                e.timestamp,
                e.exception_name,
                task.as_deref().unwrap_or("-")
            );
            if self.seen.contains(&id) {
                continue;
            }
            if self.seen.len() == SEEN_EXCEPTIONS {
                self.seen.pop_front();
            }
            self.seen.push_back(id.clone());
            if e.timestamp < self.watch_start {
                // History from before the collector watched: not part of the accounting.
                continue;
            }
            let task_manager = e
                .task_manager_id
                .clone()
                .or_else(|| e.endpoint_or_location().map(str::to_owned))
                .or_else(|| concurrent.and_then(|c| c.task_manager_id.clone()));
            let mut failure = Failure {
                id,
                failure_type: failure_type(task.as_deref(), &e.stacktrace),
                subtask: task.as_deref().and_then(subtask_of),
                task,
                task_manager,
                stacktrace: e.stacktrace.clone(),
                ..Failure::default()
            };
            classifier.classify(&self.key, &mut failure, &e.failure_labels);
            out.push(self.event(e.timestamp, EventKind::Failure(Box::new(failure))));
        }
    }

    /// Starts a blind span (if not in one) at the last time this job was seen as it is.
    pub fn go_blind(&mut self, fallback: Millis, out: &mut Vec<Event>) {
        if self.blind || self.terminal {
            return;
        }
        self.blind = true;
        let at = self.last_ok.unwrap_or(fallback);
        out.push(Event {
            at,
            job: self.key.clone(),
            kind: EventKind::BlindStart,
        });
    }

    /// Flink's job status as last reported.
    pub fn status(&self) -> Option<JobStatus> {
        self.status
    }

    /// The keys of subtasks whose current attempt ran on `task_manager`.
    pub fn runs_on(&self, task_manager: &str) -> bool {
        self.task_managers.values().any(|t| t == task_manager)
    }
}

/// `Map (1/2) - execution #3` → subtask 0.
fn subtask_of(task_name: &str) -> Option<u32> {
    let open = task_name.rfind('(')?;
    let slash = task_name[open..].find('/')? + open;
    task_name[open + 1..slash]
        .trim()
        .parse::<u32>()
        .ok()?
        .checked_sub(1)
}

/// Among statuses entered in the same millisecond, the order Flink goes through them.
fn status_order(s: JobStatus) -> u8 {
    match s {
        JobStatus::Initializing => 0,
        JobStatus::Created => 1,
        JobStatus::Reconciling => 2,
        JobStatus::Running => 3,
        JobStatus::Failing | JobStatus::Cancelling | JobStatus::Restarting => 4,
        JobStatus::Suspended => 5,
        JobStatus::Failed | JobStatus::Canceled | JobStatus::Finished => 6,
    }
}

/// Among task states entered in the same millisecond, the order a task goes through them.
fn state_order(s: ExecutionState) -> u8 {
    match s {
        ExecutionState::Created => 0,
        ExecutionState::Scheduled => 1,
        ExecutionState::Deploying => 2,
        ExecutionState::Reconciling => 3,
        ExecutionState::Initializing => 4,
        ExecutionState::Running => 5,
        ExecutionState::Finished => 6,
        ExecutionState::Canceling => 7,
        ExecutionState::Canceled | ExecutionState::Failed => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtask_index_from_task_name() {
        assert_eq!(
            subtask_of("Source: Sequence Source -> Map (1/1) - execution #2"),
            Some(0)
        );
        assert_eq!(subtask_of("Map (7/8)"), Some(6));
        assert_eq!(subtask_of("no index"), None);
        assert_eq!(subtask_of("Weird (0/1)"), None);
    }

    #[test]
    fn states_of_one_millisecond_keep_flinks_order() {
        let mut v = vec![
            ExecutionState::Running,
            ExecutionState::Created,
            ExecutionState::Scheduled,
        ];
        v.sort_by_key(|s| state_order(*s));
        assert_eq!(
            v,
            [
                ExecutionState::Created,
                ExecutionState::Scheduled,
                ExecutionState::Running
            ]
        );
    }
}
