//! The ledger: every job's clock, fed through a reorder buffer.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventKind, Millis};
use crate::job::{Job, Sink};
use crate::rules::Rules;

/// The epoch and 2200-01-01 in milliseconds: event times outside are refused.
const PLAUSIBLE_FROM: Millis = 0;
const PLAUSIBLE_TO: Millis = 7_258_118_400_000;

/// How the ledger behaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct LedgerConfig {
    /// Events arriving up to this much out of order are put back in order; later ones
    /// are applied at the earliest time still open (and counted as late).
    pub reorder_bound_ms: Millis,
    /// Closed incidents kept per job (the event log keeps all of them).
    pub max_incidents: usize,
    /// The attribution rules' settings.
    pub rules: Rules,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            reorder_bound_ms: 5_000,
            max_incidents: 256,
            rules: Rules::default(),
        }
    }
}

/// An event waiting in the reorder buffer, ordered by time, then arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    at: Millis,
    rank: u8,
    seq: u64,
    event: Event,
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.rank, self.seq).cmp(&(other.at, other.rank, other.seq))
    }
}

/// Among events of the same millisecond: what a job is, then why it changes, then the
/// changes, so that arrival order does not matter.
fn rank(kind: &EventKind) -> u8 {
    match kind {
        EventKind::Submitted { .. } => 0,
        EventKind::Topology { .. } => 1,
        EventKind::Requested { .. } => 2,
        EventKind::Failure(_) | EventKind::FailureV1(_) => 3,
        EventKind::TaskManagerLost { .. } | EventKind::StuckStart { .. } | EventKind::StuckEnd => 4,
        // Seen again before the changes seen then; blind only after the last changes
        // seen: a span that ends and starts again in one millisecond stays blind.
        EventKind::BlindEnd => 5,
        EventKind::JobStatus { .. } | EventKind::Task { .. } => 6,
        EventKind::BlindStart => 7,
        EventKind::Observed => 8,
    }
}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Per-job stage clocks and incidents, from events in (nearly) any order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ledger {
    config: LedgerConfig,
    jobs: HashMap<String, Job>,
    #[serde(with = "heap")]
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    /// The latest event time seen.
    newest: Millis,
    /// Events at or before this time have been applied.
    applied_upto: Millis,
    /// Events applied.
    pub applied: u64,
    /// Events that came later than the reorder bound allows.
    pub late: u64,
    /// Events dropped for an impossible time (before the epoch or after 2200).
    #[serde(default)]
    pub rejected: u64,
}

impl Ledger {
    /// An empty ledger.
    pub fn new(config: LedgerConfig) -> Ledger {
        Ledger {
            config,
            jobs: HashMap::new(),
            pending: BinaryHeap::new(),
            seq: 0,
            newest: Millis::MIN,
            applied_upto: Millis::MIN,
            applied: 0,
            late: 0,
            rejected: 0,
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &LedgerConfig {
        &self.config
    }

    /// Replaces its configuration (a restored snapshot takes the configuration given
    /// now, not the one it was saved with); applies from the next event on.
    pub fn set_config(&mut self, config: LedgerConfig) {
        self.config = config;
    }

    /// Takes an event; applies what the reorder bound lets through.
    pub fn ingest(&mut self, event: Event) {
        self.ingest_with(event, &mut |_| {});
    }

    /// As [`Ledger::ingest`], handing every span whose account becomes final to `sink`.
    pub fn ingest_with(&mut self, event: Event, sink: Sink<'_>) {
        let mut event = event.upgrade();
        if !(PLAUSIBLE_FROM..PLAUSIBLE_TO).contains(&event.at) {
            // A bogus time (zero, micro- instead of milliseconds) would move every
            // job's clock or the watermark absurdly far: refused, counted, logged.
            self.rejected += 1;
            tracing::warn!(job = %event.job, at = event.at, "dropping an event with an impossible time");
            return;
        }
        if event.at < self.applied_upto {
            // Too late to go back in order: apply it as early as still possible.
            self.late += 1;
            event.at = self.applied_upto;
        }
        self.newest = self.newest.max(event.at);
        self.seq += 1;
        self.pending.push(Reverse(Pending {
            at: event.at,
            rank: rank(&event.kind),
            seq: self.seq,
            event,
        }));
        let watermark = self.newest.saturating_sub(self.config.reorder_bound_ms);
        self.release(watermark, sink);
    }

    /// Applies every buffered event (end of input, or before a report).
    pub fn flush(&mut self) {
        self.flush_with(&mut |_| {});
    }

    /// As [`Ledger::flush`], with a sink.
    pub fn flush_with(&mut self, sink: Sink<'_>) {
        self.release(Millis::MAX, sink);
    }

    /// End of input: applies everything buffered and settles every job (see
    /// [`Job::settle`]), handing the spans to `sink`.
    pub fn finish_with(&mut self, sink: Sink<'_>) {
        self.flush_with(sink);
        let rules = &self.config.rules;
        for job in self.jobs.values_mut() {
            job.settle(rules, sink);
        }
    }

    /// Moves every job's clock to `now` (time the source vouches it watched), after
    /// applying what is buffered up to `now` minus the reorder bound.
    pub fn advance_to(&mut self, now: Millis, sink: Sink<'_>) {
        let watermark = now.saturating_sub(self.config.reorder_bound_ms);
        self.release(watermark, sink);
        self.applied_upto = self.applied_upto.max(watermark);
        let rules = &self.config.rules;
        for job in self.jobs.values_mut() {
            job.advance(watermark, rules, self.config.max_incidents, sink);
        }
    }

    fn release(&mut self, watermark: Millis, sink: Sink<'_>) {
        while let Some(Reverse(top)) = self.pending.peek() {
            if top.at > watermark {
                break;
            }
            let Some(Reverse(p)) = self.pending.pop() else {
                break;
            };
            self.applied_upto = self.applied_upto.max(p.at);
            self.apply(&p.event, sink);
        }
    }

    fn apply(&mut self, ev: &Event, sink: Sink<'_>) {
        self.applied += 1;
        let rules = &self.config.rules;
        let max = self.config.max_incidents;
        if ev.job.is_empty() || ev.job.ends_with('/') {
            // Every job, or every job of one source (`cluster/`), was seen unchanged.
            if ev.kind == EventKind::Observed {
                for job in self
                    .jobs
                    .values_mut()
                    .filter(|j| j.key.starts_with(&ev.job))
                {
                    job.advance(ev.at, rules, max, sink);
                }
            }
            return;
        }
        let job = match self.jobs.get_mut(&ev.job) {
            Some(job) => job,
            None => self
                .jobs
                .entry(ev.job.clone())
                .or_insert_with(|| Job::new(&ev.job, ev.at)),
        };
        job.apply(ev, rules, max, sink);
    }

    /// One job.
    pub fn job(&self, key: &str) -> Option<&Job> {
        self.jobs.get(key)
    }

    /// Every job, in no particular order.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values()
    }

    /// How many jobs.
    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    /// Whether no job is known.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Events waiting in the reorder buffer.
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }

    /// The latest event time seen.
    pub fn newest(&self) -> Option<Millis> {
        (self.newest != Millis::MIN).then_some(self.newest)
    }
}

/// Serializes the reorder buffer as a plain list.
mod heap {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        h: &BinaryHeap<Reverse<Pending>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let v: Vec<&Pending> = h.iter().map(|r| &r.0).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BinaryHeap<Reverse<Pending>>, D::Error> {
        let v = Vec::<Pending>::deserialize(d)?;
        Ok(v.into_iter().map(Reverse).collect())
    }
}
