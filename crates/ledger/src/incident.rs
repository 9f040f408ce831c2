//! Incidents: intervals of down time, their causes and the share each cause owns.

use std::collections::BTreeMap;

use faultline_model::{Blame, FailureType};
use serde::{Deserialize, Serialize};

use crate::event::{Failure, FilterOutcome, Millis};
use crate::rules::{Account, IncidentKind, Role};
use crate::stage::StageTimes;

/// How many concurrent failure ids an incident keeps (the count is exact).
const MAX_CONCURRENT_IDS: usize = 16;

/// One interval of down time and what caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Unique within the job, increasing.
    pub id: u64,
    /// Why it opened.
    pub kind: IncidentKind,
    /// When it opened.
    pub start: Millis,
    /// When it closed; `None` while open.
    pub end: Option<Millis>,
    /// The root first, then secondary and overflow causes; each owns a share of the time.
    pub causes: Vec<Cause>,
    /// Failures folded in without owning time (rule 4), at most 16 ids kept.
    pub concurrent: Vec<String>,
    /// How many concurrent failures there were.
    pub concurrent_count: u32,
    /// TaskManagers lost while it was open.
    pub task_managers_lost: u32,
    /// A region (partial) failover: Flink's job status stayed RUNNING.
    pub partial: bool,
    /// Time inside it that was not observed.
    pub unobserved_ms: Millis,
}

/// A cause of an incident and the time it owns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cause {
    /// Its part in the incident.
    pub role: Role,
    /// When it happened.
    pub at: Millis,
    /// Where its time is counted.
    pub account: Account,
    /// The fine-grained category.
    pub category: String,
    /// The failure, when a failure is the cause.
    pub failure: Option<FailureSummary>,
    /// The labels of a stall, when a stall is the cause.
    pub labels: BTreeMap<String, String>,
    /// The time it owns, by stage.
    pub stages: StageTimes,
}

/// What the ledger keeps of a failure: everything but the stack trace, which stays in
/// the event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureSummary {
    /// The failure's id.
    pub id: String,
    /// Flink's failure type.
    pub failure_type: FailureType,
    /// The failed task.
    pub task: Option<String>,
    /// The TaskManager.
    pub task_manager: Option<String>,
    /// The first line of the stack trace.
    pub exception: String,
    /// The classifier's labels.
    pub labels: BTreeMap<String, String>,
    /// Which filter set each label.
    pub provenance: BTreeMap<String, String>,
    /// Each filter's outcome and answer.
    pub filters: Vec<FilterOutcome>,
    /// The chain version that classified it.
    #[serde(default)]
    pub chain_version: String,
    /// When a canary's labels took effect: what the enforcing filters alone answered.
    #[serde(default)]
    pub baseline: Option<BTreeMap<String, String>>,
}

impl FailureSummary {
    /// Keeps all of `f` but its stack trace (only the first line, at most 300 bytes).
    pub fn of(f: &Failure) -> FailureSummary {
        let first = f.stacktrace.lines().next().unwrap_or_default();
        let mut cut = first.len().min(300);
        while !first.is_char_boundary(cut) {
            cut -= 1;
        }
        FailureSummary {
            id: f.id.clone(),
            failure_type: f.failure_type,
            task: f.task.clone(),
            task_manager: f.task_manager.clone(),
            exception: first[..cut].to_owned(),
            labels: f.labels.clone(),
            provenance: f.provenance.clone(),
            filters: f.filters.clone(),
            chain_version: f.chain_version.clone(),
            baseline: f.baseline.clone(),
        }
    }
}

impl Cause {
    /// A cause with no time yet.
    pub fn new(role: Role, at: Millis, account: Account, category: String) -> Cause {
        Cause {
            role,
            at,
            account,
            category,
            failure: None,
            labels: BTreeMap::new(),
            stages: StageTimes::default(),
        }
    }
}

impl Incident {
    /// An incident with no cause yet.
    pub fn new(id: u64, kind: IncidentKind, start: Millis) -> Incident {
        Incident {
            id,
            kind,
            start,
            end: None,
            causes: Vec::new(),
            concurrent: Vec::new(),
            concurrent_count: 0,
            task_managers_lost: 0,
            partial: false,
            unobserved_ms: 0,
        }
    }

    /// The root cause.
    pub fn root(&self) -> Option<&Cause> {
        self.causes.first()
    }

    /// The root's account: whom the incident as a whole is blamed on.
    pub fn account(&self) -> Account {
        self.root()
            .map_or(Account::Down(Blame::Unknown), |c| c.account)
    }

    /// The root's category.
    pub fn category(&self) -> &str {
        self.root().map_or("unknown", |c| c.category.as_str())
    }

    /// Time by stage over all causes.
    pub fn stages(&self) -> StageTimes {
        let mut t = StageTimes::default();
        for c in &self.causes {
            t.absorb(&c.stages);
        }
        t
    }

    /// Down time: every cause's time that counts against someone.
    pub fn downtime_ms(&self) -> Millis {
        self.causes
            .iter()
            .filter(|c| matches!(c.account, Account::Down(_)))
            .map(|c| c.stages.total())
            .sum()
    }

    /// Down time by account, over causes.
    pub fn by_account(&self) -> BTreeMap<&'static str, Millis> {
        let mut m = BTreeMap::new();
        for c in &self.causes {
            *m.entry(c.account.as_str()).or_insert(0) += c.stages.total();
        }
        m
    }

    /// Records a failure that owns no time.
    pub fn add_concurrent(&mut self, id: &str) {
        self.concurrent_count += 1;
        if self.concurrent.len() < MAX_CONCURRENT_IDS {
            self.concurrent.push(id.to_owned());
        }
    }

    /// Whether anything worth keeping happened: a failure, or time.
    pub fn is_empty(&self) -> bool {
        self.kind != IncidentKind::Failure
            && self.unobserved_ms == 0
            && self.causes.iter().all(|c| c.stages.total() == 0)
    }
}
