//! The attribution rules, all in one place.
//!
//! Every millisecond of a job's life lands in exactly one *account*:
//!
//! 1. **Running.** The job is up while every task of its topology is RUNNING or FINISHED
//!    and Flink's job status is RUNNING (docs/design.md). Time in RUNNING goes to [`Account::Up`].
//! 2. **Stage of the slowest task.** While some task is not up, the job's stage is the
//!    least advanced one among those tasks: a task CANCELING → FAILING; FAILED or
//!    CANCELED → RESTARTING; SCHEDULED → SCHEDULING; DEPLOYING → DEPLOYING; INITIALIZING
//!    → INITIALIZING; tasks still CREATED count (as SCHEDULING) only when no other task
//!    is down, so that a restart's fresh attempts do not hide where the job is. (The founding design, docs/design.md, said "SCHEDULING starts when the first task is
//!    SCHEDULED"; taking the slowest task instead keeps a job whose last tasks wait for
//!    slots in SCHEDULING rather than in INITIALIZING, which is where its time is lost.)
//!    Flink's own FAILING, RESTARTING, CANCELLING, SUSPENDED and RECONCILING job statuses
//!    override the tasks; CREATED and INITIALIZING job statuses are CREATED.
//! 3. **Incidents.** Every interval of down time belongs to the incident open at the
//!    time; an incident opens when the job goes down (or on a failure while it is up)
//!    and closes when it is RUNNING again or terminal. A failure while the job is up
//!    whose job goes down within [`Rules::settle_ms`] owns the RUNNING time in between
//!    (as RESTARTING): a source can see the failure before the tasks' states (a region
//!    failover whose FAILED attempt was never observed); otherwise it closes with no
//!    down time. Its first cause (the *root*) is
//!    the failure that took the job down; each cause owns a share of the incident's
//!    time, by stage.
//! 4. **Secondary failures.** A failure while the job is recovering (SCHEDULING,
//!    DEPLOYING or INITIALIZING after a restart) becomes a *secondary* cause of the
//!    open incident and owns the time of the current recovery attempt from its start
//!    until the job runs again (or a later secondary failure takes over), including the
//!    failing and restarting it causes:
//!    a user failure whose rescheduling is then lost to a platform fault splits the
//!    blame (failing/restarting → user, the lost scheduling and what follows → system).
//!    A failure while the job is still failing or restarting is *concurrent*: counted in
//!    the incident, owning no time.
//! 5. **Slow cancellation.** In an incident whose owning cause is not the user's, FAILING
//!    time beyond [`Rules::cancel_grace_ms`] since the job entered FAILING goes to the
//!    user (`slow-cancellation`): tasks that do not stop when Flink interrupts them
//!    (Flink re-interrupts every `task.cancellation.interval`, 30 s) are user functions
//!    ignoring cancellation.
//! 6. **Startup.** A fresh job's first start is a `startup` incident counted against
//!    nobody ([`Account::Startup`], outside the SLA) up to
//!    [`Rules::startup_allowance_ms`]; beyond that it is the system's (`slow-startup`).
//!    A failure during startup closes the startup incident and opens its own.
//! 7. **Planned.** A cancel, stop-with-savepoint or redeploy the user asked for (if the
//!    job goes down within [`Rules::request_window_ms`] of the request), and a
//!    CANCELLING job status with no failure behind it, open a `planned` incident
//!    ([`Account::Planned`], outside the SLA); a failure during it is concurrent.
//! 8. **Stuck.** RUNNING without progress is STUCK: down time of a `stuck` incident
//!    blamed by the stall's labels.
//! 9. **Unobserved.** Time in a blind span is UNKNOWN ([`Account::Unobserved`]), never up
//!    or down, even inside an incident (the incident counts it apart).
//! 10. **Unexplained.** Down time with no failure seen opens an incident of blame
//!     `unknown`; the first failure that arrives while it is open becomes its root and
//!     takes all of its time (the failure and the status change may arrive in either
//!     order).
//! 11. **Region failover.** A partial failover restarts some tasks while Flink's job
//!     status stays RUNNING; by rule 1 the job is down until every task runs again, and
//!     the whole interval goes to the failure like any other (availability is not
//!     pro-rated by the share of tasks restarted: a streaming job whose region is down
//!     produces no complete result). The incident is marked `partial`.
//! 12. **Terminal.** After FINISHED, FAILED or CANCELED the clock stops; if the job comes
//!     back (same id, new run) the gap is TERMINAL ([`Account::Ended`], outside the SLA).

use faultline_model::{BLAME, Blame, CATEGORY};
use serde::{Deserialize, Serialize};

use crate::event::Millis;
use crate::stage::Stage;

/// The tunable parts of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Rules {
    /// Startup time counted against nobody (rule 6).
    pub startup_allowance_ms: Millis,
    /// FAILING time before a slow cancellation is the user's (rule 5).
    pub cancel_grace_ms: Millis,
    /// How long a failure seen while the job is RUNNING waits for the job to go down
    /// before its incident closes with no down time; if the job goes down in time, the
    /// RUNNING time since the failure is the failure's (RESTARTING).
    pub settle_ms: Millis,
    /// How long a user's request (cancel, stop, redeploy) makes the next outage planned.
    pub request_window_ms: Millis,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            startup_allowance_ms: 5 * 60 * 1000,
            cancel_grace_ms: 30 * 1000,
            settle_ms: 10 * 1000,
            request_window_ms: 10 * 60 * 1000,
        }
    }
}

/// Where a span of time is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Account {
    /// The job was up.
    Up,
    /// The job was down, by this blame.
    Down(Blame),
    /// Down on purpose: counted against nobody, outside the SLA.
    Planned,
    /// A fresh job starting within its allowance: counted against nobody, outside the SLA.
    Startup,
    /// Not observed: outside the SLA.
    Unobserved,
    /// The job had ended: outside its lifetime for the SLA.
    Ended,
}

impl Account {
    /// The label reports print: `up`, the blame, `planned`, `startup`, `unobserved`, `ended`.
    pub fn as_str(self) -> &'static str {
        match self {
            Account::Up => "up",
            Account::Down(b) => b.as_str(),
            Account::Planned => "planned",
            Account::Startup => "startup",
            Account::Unobserved => "unobserved",
            Account::Ended => "ended",
        }
    }
}

/// Why an incident opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    /// A failure took the job down (rule 3).
    Failure,
    /// Down with no failure seen yet (rule 10).
    Unexplained,
    /// A fresh job's first start (rule 6).
    Startup,
    /// The user's own action (rule 7).
    Planned,
    /// Running without progress (rule 8).
    Stuck,
}

/// A cause's part in an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The failure (or condition) that opened the incident.
    Root,
    /// A failure during recovery (rule 4).
    Secondary,
    /// A cancellation the user's code prolonged (rule 5).
    SlowCancellation,
    /// A startup beyond its allowance (rule 6).
    SlowStartup,
}

/// What a failure does to the incident open when it arrives (rules 3, 4, 6, 7, 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureEffect {
    /// Opens a new incident with the failure as root.
    Open,
    /// Becomes the root of the open, unexplained incident.
    Adopt,
    /// Closes the open incident and opens a new one with the failure as root.
    Replace,
    /// Becomes a secondary cause owning the current recovery attempt.
    Secondary,
    /// Counted in the open incident, owning no time.
    Concurrent,
}

impl Rules {
    /// Rules 3, 4, 6, 7, 10: what a failure does, given the open incident (if any) and
    /// whether the job is in a recovery attempt.
    pub fn failure_effect(&self, open: Option<IncidentKind>, recovering: bool) -> FailureEffect {
        match open {
            None => FailureEffect::Open,
            Some(IncidentKind::Unexplained) => FailureEffect::Adopt,
            Some(IncidentKind::Startup | IncidentKind::Stuck) => FailureEffect::Replace,
            Some(IncidentKind::Planned) => FailureEffect::Concurrent,
            Some(IncidentKind::Failure) if recovering => FailureEffect::Secondary,
            Some(IncidentKind::Failure) => FailureEffect::Concurrent,
        }
    }

    /// Rules 6, 7, 8, 10: the kind of incident that opens when the job goes down with
    /// none open.
    pub fn opening_kind(&self, stage: Stage, fresh_start: bool, planned: bool) -> IncidentKind {
        if planned || stage == Stage::Cancelling {
            IncidentKind::Planned
        } else if stage == Stage::Stuck {
            IncidentKind::Stuck
        } else if fresh_start {
            IncidentKind::Startup
        } else {
            IncidentKind::Unexplained
        }
    }

    /// Rules 5 and 6: the time from which a span in `stage`, owned by a cause of
    /// `owner`, goes to another cause instead, and that cause's role.
    pub fn overflow(
        &self,
        kind: IncidentKind,
        owner: Account,
        stage: Stage,
        incident_start: Millis,
        stage_since: Millis,
    ) -> Option<(Millis, Role)> {
        match kind {
            IncidentKind::Startup => Some((
                incident_start.saturating_add(self.startup_allowance_ms),
                Role::SlowStartup,
            )),
            IncidentKind::Failure | IncidentKind::Unexplained
                if stage == Stage::Failing && owner != Account::Down(Blame::User) =>
            {
                Some((
                    stage_since.saturating_add(self.cancel_grace_ms),
                    Role::SlowCancellation,
                ))
            }
            _ => None,
        }
    }

    /// The account and category a role's cause is charged to, when the role fixes them.
    pub fn role_charge(role: Role) -> Option<(Account, &'static str)> {
        match role {
            Role::SlowCancellation => Some((Account::Down(Blame::User), "slow-cancellation")),
            Role::SlowStartup => Some((Account::Down(Blame::System), "slow-startup")),
            Role::Root | Role::Secondary => None,
        }
    }

    /// The account an incident's root is charged to, from its kind and labels.
    pub fn root_charge(
        kind: IncidentKind,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> (Account, String) {
        let category = labels.get(CATEGORY).cloned();
        match kind {
            IncidentKind::Startup => (Account::Startup, "startup".to_owned()),
            IncidentKind::Planned => (Account::Planned, "planned".to_owned()),
            IncidentKind::Unexplained => (Account::Down(Blame::Unknown), "unexplained".to_owned()),
            IncidentKind::Failure | IncidentKind::Stuck => {
                let blame = labels
                    .get(BLAME)
                    .and_then(|b| Blame::parse(b))
                    .unwrap_or(Blame::Unknown);
                let fallback = if kind == IncidentKind::Stuck {
                    "stuck"
                } else {
                    "unknown"
                };
                (
                    Account::Down(blame),
                    category.unwrap_or_else(|| fallback.to_owned()),
                )
            }
        }
    }
}
