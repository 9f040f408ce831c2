//! What a provider reads before promoting a filter: for every shadow or canary
//! filter, how its answers on live failures compare with the enforced answer, and
//! how much down time would change hands where they disagree.
//!
//! The enforced answer is the chain's final labels; where a canary's labels took
//! effect it is the labels the enforcing filters alone gave (the failure's
//! `baseline`), so a canary is never measured against itself.

use std::collections::{BTreeMap, VecDeque};

use faultline_model::{BLAME, CATEGORY};
use serde::Serialize;

use crate::event::{Event, EventKind, Failure, Millis};
use crate::ledger::Ledger;

/// Failures kept for the report; older ones drop out first.
pub const DEFAULT_CAPACITY: usize = 20_000;

/// A candidate filter's part in one failure.
#[derive(Debug, Clone)]
struct Candidate {
    name: String,
    version: String,
    mode: String,
    canary: Option<bool>,
    outcome: String,
    blame: Option<String>,
    category: Option<String>,
    micros: u64,
}

/// One failure that a candidate filter saw.
#[derive(Debug, Clone)]
struct Sample {
    job: String,
    at: Millis,
    failure: String,
    blame: String,
    category: String,
    candidates: Vec<Candidate>,
}

/// The failures candidate filters saw, as they were logged.
#[derive(Debug, Clone)]
pub struct Rollout {
    samples: VecDeque<Sample>,
    capacity: usize,
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout::with_capacity(DEFAULT_CAPACITY)
    }
}

/// Where a candidate and the enforced answer differ.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub job: String,
    pub at: Millis,
    pub failure: String,
    /// The incident the failure belongs to, when the ledger still holds it.
    pub incident: Option<u64>,
    /// `blame/category` the candidate answered.
    pub candidate: String,
    /// `blame/category` in force.
    pub enforced: String,
    /// Whether the candidate's labels took effect (a canary on a job in its share).
    pub applied: bool,
    /// Down seconds charged to the failure: what would change hands.
    pub downtime_seconds: f64,
}

/// One candidate filter's record.
#[derive(Debug, Clone, Serialize)]
pub struct FilterRollout {
    pub name: String,
    /// `shadow` or `canary` (the newest seen).
    pub mode: String,
    /// Versions seen, oldest first.
    pub versions: Vec<String>,
    /// Failures it ran on.
    pub seen: u64,
    /// Failures it answered with a blame.
    pub answered: u64,
    /// ... of which the blame matched the enforced one.
    pub agreed: u64,
    /// `agreed / answered` (1 when it answered nothing).
    pub agreement: f64,
    /// Answers whose category matched too.
    pub category_agreed: u64,
    /// For a canary: failures of jobs in its share (its labels took effect).
    pub applied: u64,
    /// Candidate blame → enforced blame → count.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    /// Skips by reason (`trap`, `timeout`, `memory`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Median call time in microseconds.
    pub p50_micros: u64,
    /// 99th percentile call time in microseconds.
    pub p99_micros: u64,
    /// Down seconds of the failures where it disagrees.
    pub downtime_at_stake_seconds: f64,
    /// Every disagreement, largest down time first.
    pub disagreements: Vec<Disagreement>,
}

/// The rollout report over a window.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutReport {
    /// Failures from this time on (milliseconds since the Unix epoch).
    pub from: Millis,
    /// Failures considered.
    pub failures: u64,
    /// One entry per shadow or canary filter, by name.
    pub filters: Vec<FilterRollout>,
}

impl Rollout {
    /// Keeps at most `capacity` failures.
    pub fn with_capacity(capacity: usize) -> Rollout {
        Rollout {
            samples: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Takes a failure event in (others are ignored); only failures that a shadow or
    /// canary filter saw are kept.
    pub fn observe(&mut self, event: &Event) {
        let EventKind::Failure(f) = &event.kind else {
            return;
        };
        let candidates: Vec<Candidate> = f
            .filters
            .iter()
            .filter(|o| o.mode == "shadow" || o.mode == "canary")
            .map(|o| Candidate {
                name: o.name.clone(),
                version: o.version.clone(),
                mode: o.mode.clone(),
                canary: o.canary,
                outcome: o.outcome.clone(),
                blame: o.labels.get(BLAME).cloned(),
                category: o.labels.get(CATEGORY).cloned(),
                micros: o.micros,
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        if self.samples.len() == self.capacity {
            self.samples.pop_front();
        }
        let (blame, category) = enforced(f);
        self.samples.push_back(Sample {
            job: event.job.clone(),
            at: event.at,
            failure: f.id.clone(),
            blame,
            category,
            candidates,
        });
    }

    /// The report over failures at or after `from`, with down time from `ledger`.
    pub fn report(&self, ledger: &Ledger, from: Millis) -> RolloutReport {
        let mut by_name: BTreeMap<String, (FilterRollout, Vec<u64>)> = BTreeMap::new();
        let mut failures = 0;
        for s in self.samples.iter().filter(|s| s.at >= from) {
            failures += 1;
            for c in &s.candidates {
                let (r, times) = by_name
                    .entry(c.name.clone())
                    .or_insert_with(|| (FilterRollout::new(&c.name), Vec::new()));
                r.mode = c.mode.clone();
                if !r.versions.contains(&c.version) {
                    r.versions.push(c.version.clone());
                }
                if c.outcome == "not-run" {
                    continue;
                }
                r.seen += 1;
                if c.canary == Some(true) {
                    r.applied += 1;
                }
                if let Some(reason) = c.outcome.strip_prefix("skipped: ") {
                    let kind = reason.split(':').next().unwrap_or(reason).trim();
                    *r.errors.entry(kind.to_owned()).or_insert(0) += 1;
                    continue;
                }
                times.push(c.micros);
                let Some(blame) = &c.blame else { continue };
                r.answered += 1;
                *r.confusion
                    .entry(blame.clone())
                    .or_default()
                    .entry(s.blame.clone())
                    .or_insert(0) += 1;
                let category = c.category.as_deref().unwrap_or("");
                if *blame == s.blame {
                    r.agreed += 1;
                    if category == s.category {
                        r.category_agreed += 1;
                    }
                    continue;
                }
                let (incident, downtime) = at_stake(ledger, &s.job, &s.failure);
                r.downtime_at_stake_seconds += downtime;
                r.disagreements.push(Disagreement {
                    job: s.job.clone(),
                    at: s.at,
                    failure: s.failure.clone(),
                    incident,
                    candidate: format!("{blame}/{category}"),
                    enforced: format!("{}/{}", s.blame, s.category),
                    applied: c.canary == Some(true),
                    downtime_seconds: downtime,
                });
            }
        }
        let filters = by_name
            .into_values()
            .map(|(mut r, mut times)| {
                r.agreement = if r.answered == 0 {
                    1.0
                } else {
                    r.agreed as f64 / r.answered as f64
                };
                times.sort_unstable();
                r.p50_micros = quantile(&times, 0.5);
                r.p99_micros = quantile(&times, 0.99);
                r.disagreements
                    .sort_by(|a, b| b.downtime_seconds.total_cmp(&a.downtime_seconds));
                r
            })
            .collect();
        RolloutReport {
            from,
            failures,
            filters,
        }
    }
}

impl FilterRollout {
    fn new(name: &str) -> FilterRollout {
        FilterRollout {
            name: name.to_owned(),
            mode: String::new(),
            versions: Vec::new(),
            seen: 0,
            answered: 0,
            agreed: 0,
            agreement: 1.0,
            category_agreed: 0,
            applied: 0,
            confusion: BTreeMap::new(),
            errors: BTreeMap::new(),
            p50_micros: 0,
            p99_micros: 0,
            downtime_at_stake_seconds: 0.0,
            disagreements: Vec::new(),
        }
    }
}

/// The enforced `blame` and `category` of a failure.
fn enforced(f: &Failure) -> (String, String) {
    let labels = f.enforced();
    (
        labels
            .get(BLAME)
            .cloned()
            .unwrap_or_else(|| "unknown".into()),
        labels.get(CATEGORY).cloned().unwrap_or_default(),
    )
}

/// The incident a failure belongs to and the down seconds charged to it.
fn at_stake(ledger: &Ledger, job: &str, failure: &str) -> (Option<u64>, f64) {
    let Some(job) = ledger.job(job) else {
        return (None, 0.0);
    };
    for incident in job.all_incidents() {
        let causes = incident
            .causes
            .iter()
            .filter(|c| c.failure.as_ref().is_some_and(|f| f.id == failure));
        let mut found = false;
        let mut ms = 0;
        for c in causes {
            found = true;
            if matches!(c.account, crate::rules::Account::Down(_)) {
                ms += c.stages.total();
            }
        }
        if found {
            return (Some(incident.id), ms as f64 / 1000.0);
        }
    }
    (None, 0.0)
}

/// The `q` quantile of sorted values (0 when empty).
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() as f64) * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
