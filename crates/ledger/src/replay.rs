//! Re-attribution of the past: the same events with failures re-classified, and what
//! moved.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::{Event, EventKind, Failure, Millis};
use crate::job::Span;
use crate::ledger::{Ledger, LedgerConfig};
use crate::rules::Account;

/// An incident whose blame or category changed.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// The job.
    pub job: String,
    /// The incident's id in the job.
    pub incident: u64,
    /// When it started.
    pub start: Millis,
    /// Down seconds.
    pub downtime: f64,
    /// `blame/category` before.
    pub before: String,
    /// `blame/category` after.
    pub after: String,
    /// The chain version that classified the root failure, as stored.
    pub chain_before: String,
    /// The chain version that re-classified it.
    pub chain_after: String,
}

/// What a new classification changes.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayDiff {
    /// Events replayed.
    pub events: u64,
    /// Failures re-classified.
    pub failures: u64,
    /// How many of them each stored chain version had classified.
    pub classified_by: BTreeMap<String, u64>,
    /// Down seconds by account, before and after.
    pub before: BTreeMap<&'static str, f64>,
    /// Down seconds by account after.
    pub after: BTreeMap<&'static str, f64>,
    /// Seconds moved from one account to another, `"user -> system"`.
    pub moved: BTreeMap<String, f64>,
    /// Incidents whose root blame or category changed.
    pub changed: Vec<Changed>,
}

type Owned = (String, Millis, Millis, Account);

/// What replay keeps of a span: job, from, to, account.
fn owned(s: &Span<'_>) -> Owned {
    (s.job.to_owned(), s.from, s.to, s.account)
}

/// Replays `events` twice, as logged and with every failure passed through
/// `reclassify` (given the job and the failure, it updates the labels), and reports
/// the difference.
pub fn replay(
    events: impl IntoIterator<Item = Event>,
    config: &LedgerConfig,
    mut reclassify: impl FnMut(&str, &mut Failure),
) -> (Ledger, ReplayDiff) {
    let config = LedgerConfig {
        max_incidents: usize::MAX,
        ..config.clone()
    };
    let mut before = Ledger::new(config.clone());
    let mut after = Ledger::new(config);
    let (mut spans_a, mut spans_b): (Vec<Owned>, Vec<Owned>) = (Vec::new(), Vec::new());
    let mut failures = 0;
    let mut versions: BTreeMap<String, u64> = BTreeMap::new();
    let mut n = 0;
    for ev in events {
        n += 1;
        let ev = ev.upgrade();
        let mut new = ev.clone();
        if let EventKind::Failure(f) = &mut new.kind {
            failures += 1;
            let version = if f.chain_version.is_empty() {
                "unversioned"
            } else {
                f.chain_version.as_str()
            };
            *versions.entry(version.to_owned()).or_insert(0) += 1;
            reclassify(&ev.job, f);
        }
        before.ingest_with(ev, &mut |s: &Span<'_>| spans_a.push(owned(s)));
        after.ingest_with(new, &mut |s: &Span<'_>| spans_b.push(owned(s)));
    }
    before.finish_with(&mut |s: &Span<'_>| spans_a.push(owned(s)));
    after.finish_with(&mut |s: &Span<'_>| spans_b.push(owned(s)));
    spans_a.sort_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));
    spans_b.sort_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));

    let mut moved: BTreeMap<String, f64> = BTreeMap::new();
    let (mut i, mut j) = (0, 0);
    while i < spans_a.len() && j < spans_b.len() {
        let (a, b) = (&spans_a[i], &spans_b[j]);
        match a.0.cmp(&b.0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let overlap = a.2.min(b.2) - a.1.max(b.1);
                if overlap > 0 && a.3 != b.3 {
                    *moved
                        .entry(format!("{} -> {}", a.3.as_str(), b.3.as_str()))
                        .or_insert(0.0) += overlap as f64 / 1000.0;
                }
                if a.2 <= b.2 { i += 1 } else { j += 1 }
            }
        }
    }

    let totals = |l: &Ledger| {
        let mut m: BTreeMap<&'static str, f64> = BTreeMap::new();
        for job in l.jobs() {
            for b in faultline_model::Blame::ALL {
                *m.entry(b.as_str()).or_insert(0.0) += job.totals.down_of(b) as f64 / 1000.0;
            }
        }
        m
    };
    let mut changed = Vec::new();
    for job in after.jobs() {
        let Some(old) = before.job(&job.key) else {
            continue;
        };
        for (x, y) in old.all_incidents().zip(job.all_incidents()) {
            let label = |i: &crate::incident::Incident| {
                format!("{}/{}", i.account().as_str(), i.category())
            };
            let version = |i: &crate::incident::Incident| {
                i.root()
                    .and_then(|c| c.failure.as_ref())
                    .map(|f| f.chain_version.clone())
                    .unwrap_or_default()
            };
            if x.id == y.id && label(x) != label(y) {
                changed.push(Changed {
                    chain_before: version(x),
                    chain_after: version(y),
                    job: job.key.clone(),
                    incident: y.id,
                    start: y.start,
                    downtime: y.downtime_ms() as f64 / 1000.0,
                    before: label(x),
                    after: label(y),
                });
            }
        }
    }
    changed.sort_by(|a, b| (&a.job, a.start).cmp(&(&b.job, b.start)));
    let diff = ReplayDiff {
        events: n,
        failures,
        classified_by: versions,
        before: totals(&before),
        after: totals(&after),
        moved,
        changed,
    };
    (after, diff)
}
