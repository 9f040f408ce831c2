//! One job's stage clock and its incidents: the state machine the rules drive.

use std::collections::{BTreeMap, VecDeque};

use faultline_model::Blame;
use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, ExecutionState, Failure, JobStatus, Millis, Vertex};
use crate::incident::{Cause, FailureSummary, Incident};
use crate::rules::{Account, FailureEffect, IncidentKind, Role, Rules};
use crate::stage::{Stage, StageTimes};

/// How many failure ids a job remembers to drop duplicates.
const SEEN_FAILURES: usize = 64;

/// A span of time and where it was counted; the ledger hands every span to its sink,
/// in time order per job, as soon as its account is final.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span<'a> {
    /// The job.
    pub job: &'a str,
    /// Start, inclusive.
    pub from: Millis,
    /// End, exclusive.
    pub to: Millis,
    /// The job's stage.
    pub stage: Stage,
    /// Where it counts.
    pub account: Account,
    /// The owning cause's category, empty when not down.
    pub category: &'a str,
    /// The incident, when in one.
    pub incident: Option<u64>,
}

/// Receives spans.
pub type Sink<'s> = &'s mut dyn FnMut(&Span<'_>);

/// Time per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Up.
    pub up: Millis,
    /// Down, by blame in `Blame::ALL` order.
    pub down: [Millis; 5],
    /// Planned.
    pub planned: Millis,
    /// Startup within its allowance.
    pub startup: Millis,
    /// Not observed.
    pub unobserved: Millis,
    /// After the job ended.
    pub ended: Millis,
}

impl Totals {
    /// Adds `ms` to `account`.
    pub fn add(&mut self, account: Account, ms: Millis) {
        match account {
            Account::Up => self.up += ms,
            Account::Down(b) => self.down[b as usize] += ms,
            Account::Planned => self.planned += ms,
            Account::Startup => self.startup += ms,
            Account::Unobserved => self.unobserved += ms,
            Account::Ended => self.ended += ms,
        }
    }

    /// All down time.
    pub fn downtime(&self) -> Millis {
        self.down.iter().sum()
    }

    /// Down time of one blame.
    pub fn down_of(&self, blame: Blame) -> Millis {
        self.down[blame as usize]
    }

    /// Up / (up + down); `None` before any time counts.
    pub fn availability(&self) -> Option<f64> {
        let eligible = self.up + self.downtime();
        (eligible > 0).then(|| self.up as f64 / eligible as f64)
    }

    /// Everything.
    pub fn total(&self) -> Millis {
        self.up + self.downtime() + self.planned + self.startup + self.unobserved + self.ended
    }
}

/// The tasks of one vertex: per subtask, its latest attempt and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct VertexTasks {
    id: String,
    tasks: Vec<(u32, ExecutionState)>,
}

/// A span whose owner is not decided yet: from, to, stage, and when that stage began.
type Pending = (Millis, Millis, Stage, Millis);

/// An open incident and the bookkeeping that decides who owns its time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Open {
    incident: Incident,
    /// The cause that owns time from now on.
    owner: usize,
    /// The current recovery attempt: its start and its spans, whose owner is decided
    /// when it ends (rule 4).
    attempt: Option<(Millis, Vec<Pending>)>,
    /// Spans of an unexplained incident, charged when a failure explains it or it
    /// closes (rule 10).
    deferred: Vec<Pending>,
    /// A failure seen while RUNNING closes its incident if the job stays up until then.
    settle_until: Option<Millis>,
    /// RUNNING spans since such a failure, held until the settle deadline tells whether
    /// they were up (the job stayed up) or already the failure's down time (the job went
    /// down: a source saw the failure before the tasks' states).
    #[serde(default)]
    held: Vec<(Millis, Millis)>,
}

/// One job's clock, state and incidents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// The job's key (cluster-qualified id).
    pub key: String,
    /// The job's name.
    pub name: String,
    /// When the ledger first saw it.
    pub born: Millis,
    /// Time is accounted up to here.
    pub clock: Millis,
    /// The current stage.
    pub stage: Stage,
    /// When the job entered its current stage.
    pub stage_since: Millis,
    /// Time per stage since it was born; sums to `clock - born`.
    pub stages: StageTimes,
    /// Time per account; sums to `clock - born`.
    pub totals: Totals,
    /// Closed incidents, oldest first (the newest `max_incidents` only).
    pub incidents: VecDeque<Incident>,
    /// Closed incidents no longer kept in `incidents`.
    pub incidents_dropped: u64,
    status: Option<JobStatus>,
    vertices: Vec<VertexTasks>,
    stuck: Option<BTreeMap<String, String>>,
    blind: bool,
    fresh: bool,
    ever_running: bool,
    /// A user's request makes the next outage planned until this time.
    planned_until: Option<Millis>,
    open: Option<Open>,
    seen: VecDeque<String>,
    next_incident: u64,
}

impl Job {
    /// A job first seen at `at`.
    pub fn new(key: &str, at: Millis) -> Job {
        Job {
            key: key.to_owned(),
            name: String::new(),
            born: at,
            clock: at,
            stage: Stage::Created,
            stage_since: at,
            stages: StageTimes::default(),
            totals: Totals::default(),
            incidents: VecDeque::new(),
            incidents_dropped: 0,
            status: None,
            vertices: Vec::new(),
            stuck: None,
            blind: false,
            fresh: false,
            ever_running: false,
            planned_until: None,
            open: None,
            seen: VecDeque::new(),
            next_incident: 1,
        }
    }

    /// Flink's job status as last seen.
    pub fn status(&self) -> Option<JobStatus> {
        self.status
    }

    /// The open incident, if any.
    pub fn current_incident(&self) -> Option<&Incident> {
        self.open.as_ref().map(|o| &o.incident)
    }

    /// Closed incidents, then the open one.
    pub fn all_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.iter().chain(self.current_incident())
    }

    /// Charges spans whose owner is not final yet (a recovery attempt, an unexplained
    /// incident) to the cause that owns them as of now: for a view of the job at the end
    /// of input, or a copy of it shown while the job is live (see [`Job::settled`]).
    pub fn settle(&mut self, rules: &Rules, sink: Sink<'_>) {
        if self.open.as_ref().is_some_and(|o| o.settle_until.is_some()) {
            // Still up at the end of what is known: the held time is up so far.
            let settle_until = self.open.as_ref().and_then(|o| o.settle_until);
            self.release_held(false, rules, sink);
            if let Some(o) = &mut self.open {
                o.settle_until = settle_until;
            }
        }
        self.commit_deferred(rules, sink);
        self.commit_attempt(rules, sink);
        if let Some(o) = &mut self.open
            && self.stage.is_recovering()
            && matches!(o.incident.kind, IncidentKind::Failure)
        {
            o.attempt = Some((self.clock, Vec::new()));
        }
    }

    /// A copy with every span settled: what reports and the API show of a live job.
    pub fn settled(&self, rules: &Rules) -> Job {
        let mut job = self.clone();
        job.settle(rules, &mut |_| {});
        job
    }

    /// Applies one event (in time order) under `rules`.
    pub fn apply(&mut self, ev: &Event, rules: &Rules, max_incidents: usize, sink: Sink<'_>) {
        let t = ev.at.max(self.clock);
        self.advance(t, rules, max_incidents, sink);
        match &ev.kind {
            EventKind::Submitted { name, fresh } => {
                self.name.clone_from(name);
                self.fresh = *fresh && !self.ever_running;
            }
            EventKind::Topology { vertices } => self.set_topology(vertices),
            EventKind::JobStatus { status } => {
                let new_graph = matches!(status, JobStatus::Created | JobStatus::Initializing);
                if new_graph || (self.stage == Stage::Terminal && !status.is_terminal()) {
                    // A new execution graph (a new run under the same id, or a JobManager
                    // failover recovering the job): attempt numbers start again from 0.
                    self.vertices.iter_mut().for_each(|v| {
                        v.tasks
                            .iter_mut()
                            .for_each(|t| *t = (0, ExecutionState::Created))
                    });
                }
                self.status = Some(*status);
            }
            EventKind::Task {
                vertex,
                subtask,
                attempt,
                state,
            } => self.set_task(vertex, *subtask, *attempt, *state),
            EventKind::Failure(f) => self.on_failure(f, t, rules, max_incidents, sink),
            // Upgraded to `Failure` as the ledger takes it in.
            EventKind::FailureV1(_) => {}
            EventKind::TaskManagerLost { .. } => {
                if let Some(o) = &mut self.open {
                    o.incident.task_managers_lost += 1;
                }
            }
            EventKind::StuckStart { labels } => self.stuck = Some(labels.clone()),
            EventKind::StuckEnd => self.stuck = None,
            EventKind::BlindStart => self.blind = true,
            EventKind::BlindEnd => self.blind = false,
            EventKind::Requested { .. } => self.on_request(t, rules, max_incidents, sink),
            EventKind::Observed => {}
        }
        let stage = self.derive();
        self.set_stage(stage, t, rules, max_incidents, sink);
    }

    /// Accounts time up to `to` in the current stage.
    pub fn advance(&mut self, to: Millis, rules: &Rules, max_incidents: usize, sink: Sink<'_>) {
        if to <= self.clock || self.stage == Stage::Terminal {
            return;
        }
        let from = self.clock;
        if let Some(settle) = self.open.as_ref().and_then(|o| o.settle_until)
            && self.stage == Stage::Running
            && to >= settle
        {
            self.charge(from, settle.max(from), rules, sink);
            self.release_held(false, rules, sink);
            self.close_incident(settle.max(from), rules, max_incidents, sink);
            self.charge(settle.max(from), to, rules, sink);
        } else {
            self.charge(from, to, rules, sink);
        }
        self.clock = to;
    }

    /// The stage rules 1, 2, 8, 9 and 12 give for the current state.
    fn derive(&self) -> Stage {
        if self.blind {
            return Stage::Unknown;
        }
        match self.status {
            Some(s) if s.is_terminal() => return Stage::Terminal,
            Some(JobStatus::Failing) => return Stage::Failing,
            Some(JobStatus::Cancelling) => return Stage::Cancelling,
            Some(JobStatus::Restarting | JobStatus::Suspended | JobStatus::Reconciling) => {
                // Flink restarts once every task is cancelled: until then it is failing.
                let cancelling = self
                    .vertices
                    .iter()
                    .flat_map(|v| &v.tasks)
                    .any(|t| t.1 == ExecutionState::Canceling);
                return if cancelling {
                    Stage::Failing
                } else {
                    Stage::Restarting
                };
            }
            Some(JobStatus::Created | JobStatus::Initializing) | None => return Stage::Created,
            Some(JobStatus::Running) => {}
            Some(_) => {}
        }
        let mut slowest: Option<Stage> = None;
        let mut created = false;
        for (_, state) in self.vertices.iter().flat_map(|v| &v.tasks) {
            let stage = match state {
                ExecutionState::Running | ExecutionState::Finished => continue,
                ExecutionState::Created => {
                    created = true;
                    continue;
                }
                ExecutionState::Canceling => Stage::Failing,
                ExecutionState::Failed | ExecutionState::Canceled | ExecutionState::Reconciling => {
                    Stage::Restarting
                }
                ExecutionState::Scheduled => Stage::Scheduling,
                ExecutionState::Deploying => Stage::Deploying,
                ExecutionState::Initializing => Stage::Initializing,
            };
            slowest = Some(slowest.map_or(stage, |s| s.min(stage)));
        }
        match slowest {
            Some(stage) => stage,
            None if created => Stage::Scheduling,
            None if self.stuck.is_some() => Stage::Stuck,
            None => Stage::Running,
        }
    }

    fn set_topology(&mut self, vertices: &[Vertex]) {
        let old = std::mem::take(&mut self.vertices);
        self.vertices = vertices
            .iter()
            .map(|v| {
                let mut tasks = old
                    .iter()
                    .find(|o| o.id == v.id)
                    .map(|o| o.tasks.clone())
                    .unwrap_or_default();
                tasks.resize(v.parallelism as usize, (0, ExecutionState::Created));
                VertexTasks {
                    id: v.id.clone(),
                    tasks,
                }
            })
            .collect();
    }

    fn set_task(&mut self, vertex: &str, subtask: u32, attempt: u32, state: ExecutionState) {
        let idx = match self.vertices.iter().position(|v| v.id == vertex) {
            Some(i) => i,
            None => {
                self.vertices.push(VertexTasks {
                    id: vertex.to_owned(),
                    tasks: Vec::new(),
                });
                self.vertices.len() - 1
            }
        };
        let tasks = &mut self.vertices[idx].tasks;
        let i = subtask as usize;
        if i >= tasks.len() {
            // Topology unknown or stale: bounded, since Flink's parallelism is at most 32768.
            if i > 1 << 15 {
                return;
            }
            tasks.resize(i + 1, (0, ExecutionState::Created));
        }
        let slot = &mut tasks[i];
        if attempt >= slot.0 {
            *slot = (attempt, state);
        }
    }

    fn on_request(&mut self, t: Millis, rules: &Rules, max_incidents: usize, sink: Sink<'_>) {
        self.planned_until = Some(t.saturating_add(rules.request_window_ms));
        let replace = self
            .open
            .as_ref()
            .is_some_and(|o| o.incident.kind != IncidentKind::Planned);
        if replace && self.stage.is_down() {
            self.close_incident(t, rules, max_incidents, sink);
            self.open_incident(IncidentKind::Planned, t, None);
        }
    }

    fn on_failure(
        &mut self,
        f: &Failure,
        t: Millis,
        rules: &Rules,
        max_incidents: usize,
        sink: Sink<'_>,
    ) {
        if !f.id.is_empty() {
            if self.seen.iter().any(|s| *s == f.id) {
                return;
            }
            if self.seen.len() == SEEN_FAILURES {
                self.seen.pop_front();
            }
            self.seen.push_back(f.id.clone());
        }
        let open_kind = self.open.as_ref().map(|o| o.incident.kind);
        let recovering = self.open.as_ref().is_some_and(|o| o.attempt.is_some());
        match rules.failure_effect(open_kind, recovering) {
            FailureEffect::Open | FailureEffect::Replace => {
                if open_kind.is_some() {
                    self.close_incident(t, rules, max_incidents, sink);
                }
                self.open_incident(IncidentKind::Failure, t, Some(f));
                if let Some(o) = &mut self.open
                    && self.stage == Stage::Running
                {
                    o.settle_until = Some(t.saturating_add(rules.settle_ms));
                }
            }
            FailureEffect::Adopt => {
                if let Some(o) = &mut self.open {
                    o.incident.kind = IncidentKind::Failure;
                    let root = &mut o.incident.causes[0];
                    let (account, category) = Rules::root_charge(IncidentKind::Failure, &f.labels);
                    root.account = account;
                    root.category = category;
                    root.failure = Some(FailureSummary::of(f));
                }
                self.commit_deferred(rules, sink);
            }
            FailureEffect::Secondary => {
                if let Some(o) = &mut self.open {
                    let (account, category) = Rules::root_charge(IncidentKind::Failure, &f.labels);
                    let mut cause = Cause::new(Role::Secondary, t, account, category);
                    cause.failure = Some(FailureSummary::of(f));
                    o.incident.causes.push(cause);
                    o.owner = o.incident.causes.len() - 1;
                }
            }
            FailureEffect::Concurrent => {
                if let Some(o) = &mut self.open {
                    o.incident.add_concurrent(&f.id);
                }
            }
        }
    }

    fn open_incident(&mut self, kind: IncidentKind, t: Millis, failure: Option<&Failure>) {
        let mut incident = Incident::new(self.next_incident, kind, t);
        self.next_incident += 1;
        let labels = match (failure, kind) {
            (Some(f), _) => f.labels.clone(),
            (None, IncidentKind::Stuck) => self.stuck.clone().unwrap_or_default(),
            (None, _) => BTreeMap::new(),
        };
        let (account, category) = Rules::root_charge(kind, &labels);
        let mut root = Cause::new(Role::Root, t, account, category);
        root.failure = failure.map(FailureSummary::of);
        if kind == IncidentKind::Stuck {
            root.labels = labels;
        }
        incident.causes.push(root);
        incident.partial = self.status == Some(JobStatus::Running) && self.stage != Stage::Stuck;
        self.open = Some(Open {
            incident,
            owner: 0,
            attempt: None,
            deferred: Vec::new(),
            settle_until: None,
            held: Vec::new(),
        });
    }

    fn close_incident(&mut self, t: Millis, rules: &Rules, max_incidents: usize, sink: Sink<'_>) {
        self.commit_deferred(rules, sink);
        self.commit_attempt(rules, sink);
        let Some(mut o) = self.open.take() else {
            return;
        };
        o.incident.end = Some(t);
        if o.incident.is_empty() {
            return;
        }
        if self.incidents.len() >= max_incidents.max(1) {
            self.incidents.pop_front();
            self.incidents_dropped += 1;
        }
        self.incidents.push_back(o.incident);
    }

    fn set_stage(
        &mut self,
        new: Stage,
        t: Millis,
        rules: &Rules,
        max_incidents: usize,
        sink: Sink<'_>,
    ) {
        let old = self.stage;
        if old == Stage::Terminal && new != Stage::Terminal && t > self.clock {
            // The clock stood still while the job was over; the gap is TERMINAL.
            self.charge(self.clock, t, rules, sink);
            self.clock = t;
        }
        if new != old {
            self.stage = new;
            self.stage_since = t;
        }
        match new {
            Stage::Running => {
                self.ever_running = true;
                if old != Stage::Running {
                    self.planned_until = None;
                }
                self.fresh = false;
                if self.open.as_ref().is_some_and(|o| o.settle_until.is_none()) {
                    self.close_incident(t, rules, max_incidents, sink);
                }
            }
            Stage::Terminal => {
                self.release_held(true, rules, sink);
                self.close_incident(t, rules, max_incidents, sink)
            }
            Stage::Unknown => {}
            _ => {
                if self.open.as_ref().is_some_and(|o| o.settle_until.is_some()) {
                    self.release_held(true, rules, sink);
                }
                if new != Stage::Stuck && old == Stage::Stuck {
                    self.stuck = None;
                }
                let user_cancel = new == Stage::Cancelling
                    && self
                        .open
                        .as_ref()
                        .is_some_and(|o| o.incident.kind != IncidentKind::Planned);
                let stuck_over = new != Stage::Stuck
                    && self
                        .open
                        .as_ref()
                        .is_some_and(|o| o.incident.kind == IncidentKind::Stuck);
                let stuck_new = new == Stage::Stuck
                    && old != Stage::Stuck
                    && self
                        .open
                        .as_ref()
                        .is_some_and(|o| o.incident.kind != IncidentKind::Stuck);
                if user_cancel || stuck_over || stuck_new {
                    self.close_incident(t, rules, max_incidents, sink);
                }
                if self.open.is_none() {
                    let fresh_start = self.fresh && !self.ever_running;
                    let planned = self.planned_until.is_some_and(|until| t <= until);
                    let kind = rules.opening_kind(new, fresh_start, planned);
                    self.open_incident(kind, t, None);
                }
                let status_running = self.status == Some(JobStatus::Running);
                if let Some(o) = &mut self.open {
                    o.settle_until = None;
                    o.incident.partial &= status_running;
                }
                let tracks_attempts = self.open.as_ref().is_some_and(|o| {
                    matches!(
                        o.incident.kind,
                        IncidentKind::Failure | IncidentKind::Unexplained
                    )
                });
                if tracks_attempts {
                    if new.is_recovering() {
                        if let Some(o) = &mut self.open
                            && o.attempt.is_none()
                        {
                            o.attempt = Some((t, Vec::new()));
                        }
                    } else {
                        self.commit_attempt(rules, sink);
                    }
                }
            }
        }
    }

    /// Gives the current recovery attempt's spans to the cause that owns them now.
    fn commit_attempt(&mut self, rules: &Rules, sink: Sink<'_>) {
        let Some(o) = &mut self.open else { return };
        let Some((_, spans)) = o.attempt.take() else {
            return;
        };
        for (from, to, stage, since) in spans {
            self.charge_cause(from, to, stage, since, rules, sink);
        }
    }

    /// Decides the held RUNNING spans: up, or (the job went down) RESTARTING time of the
    /// open failure.
    fn release_held(&mut self, down: bool, rules: &Rules, sink: Sink<'_>) {
        let Some(o) = &mut self.open else { return };
        o.settle_until = None;
        let held = std::mem::take(&mut o.held);
        let incident = o.incident.id;
        for (from, to) in held {
            if down {
                self.stages.add(Stage::Restarting, to - from);
                self.charge_cause(from, to, Stage::Restarting, from, rules, sink);
            } else {
                self.stages.add(Stage::Running, to - from);
                self.totals.add(Account::Up, to - from);
                let span = Span {
                    job: &self.key,
                    from,
                    to,
                    stage: Stage::Running,
                    account: Account::Up,
                    category: "",
                    incident: Some(incident),
                };
                sink(&span);
            }
        }
    }

    /// Charges an unexplained incident's deferred spans to its root as it is now.
    fn commit_deferred(&mut self, rules: &Rules, sink: Sink<'_>) {
        let Some(o) = &mut self.open else { return };
        let spans = std::mem::take(&mut o.deferred);
        for (from, to, stage, since) in spans {
            self.charge_cause(from, to, stage, since, rules, sink);
        }
    }

    /// Counts `[from, to)` in the current stage.
    fn charge(&mut self, from: Millis, to: Millis, rules: &Rules, sink: Sink<'_>) {
        if to <= from {
            return;
        }
        let stage = self.stage;
        if stage == Stage::Running
            && let Some(o) = &mut self.open
            && o.settle_until.is_some()
        {
            match o.held.last_mut() {
                Some(last) if last.1 == from => last.1 = to,
                _ => o.held.push((from, to)),
            }
            return;
        }
        self.stages.add(stage, to - from);
        let account = match stage {
            Stage::Running => Account::Up,
            Stage::Terminal => Account::Ended,
            Stage::Unknown => {
                if let Some(o) = &mut self.open {
                    o.incident.unobserved_ms += to - from;
                }
                Account::Unobserved
            }
            _ => {
                if self.open.is_none() {
                    // Unreachable by construction (a down stage always has an incident);
                    // kept so that no time is ever lost.
                    self.open_incident(IncidentKind::Unexplained, from, None);
                }
                let since = self.stage_since;
                if let Some(o) = &mut self.open {
                    let spans = if o.incident.kind == IncidentKind::Unexplained {
                        Some(&mut o.deferred)
                    } else {
                        o.attempt
                            .as_mut()
                            .filter(|_| stage.is_recovering())
                            .map(|a| &mut a.1)
                    };
                    if let Some(spans) = spans {
                        match spans.last_mut() {
                            Some(last) if last.1 == from && last.2 == stage && last.3 == since => {
                                last.1 = to
                            }
                            _ => spans.push((from, to, stage, since)),
                        }
                        return;
                    }
                }
                self.charge_cause(from, to, stage, since, rules, sink);
                return;
            }
        };
        self.totals.add(account, to - from);
        let incident = self.open.as_ref().map(|o| o.incident.id);
        sink(&Span {
            job: &self.key,
            from,
            to,
            stage,
            account,
            category: "",
            incident,
        });
    }

    /// Counts a down span to the owning cause, splitting off overflow (rules 5, 6).
    fn charge_cause(
        &mut self,
        from: Millis,
        to: Millis,
        stage: Stage,
        stage_since: Millis,
        rules: &Rules,
        sink: Sink<'_>,
    ) {
        let Some(o) = &mut self.open else { return };
        let owner = &o.incident.causes[o.owner];
        let overflow = rules.overflow(
            o.incident.kind,
            owner.account,
            stage,
            o.incident.start,
            stage_since,
        );
        let (mid, role) = match overflow {
            Some((limit, role)) if limit < to => (limit.max(from), Some(role)),
            _ => (to, None),
        };
        let parts = [(from, mid, Some(o.owner)), (mid, to, None)];
        for (a, b, idx) in parts {
            if b <= a {
                continue;
            }
            let idx = match (idx, role) {
                (Some(i), _) => i,
                (None, Some(role)) => match o.incident.causes.iter().position(|c| c.role == role) {
                    Some(i) => i,
                    None => {
                        let (account, category) = Rules::role_charge(role)
                            .unwrap_or((Account::Down(Blame::Unknown), "unknown"));
                        o.incident
                            .causes
                            .push(Cause::new(role, a, account, category.to_owned()));
                        o.incident.causes.len() - 1
                    }
                },
                (None, None) => continue,
            };
            let cause = &mut o.incident.causes[idx];
            cause.stages.add(stage, b - a);
            self.totals.add(cause.account, b - a);
            sink(&Span {
                job: &self.key,
                from: a,
                to: b,
                stage,
                account: cause.account,
                category: &cause.category,
                incident: Some(o.incident.id),
            });
        }
    }
}
