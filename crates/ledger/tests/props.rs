//! Properties over random event streams: no panic, stages sum to the lifetime, no
//! interval counted twice, and the same result for any arrival order within the bound.

use std::collections::BTreeMap;

use faultline_ledger::{
    Event, EventKind, ExecutionState, Failure, JobStatus, Ledger, LedgerConfig, Span, UserAction,
    Vertex,
};
use proptest::prelude::*;

const STATUSES: [JobStatus; 11] = [
    JobStatus::Initializing,
    JobStatus::Created,
    JobStatus::Running,
    JobStatus::Failing,
    JobStatus::Failed,
    JobStatus::Cancelling,
    JobStatus::Canceled,
    JobStatus::Finished,
    JobStatus::Restarting,
    JobStatus::Suspended,
    JobStatus::Reconciling,
];
const STATES: [ExecutionState; 10] = [
    ExecutionState::Created,
    ExecutionState::Scheduled,
    ExecutionState::Deploying,
    ExecutionState::Initializing,
    ExecutionState::Running,
    ExecutionState::Finished,
    ExecutionState::Canceling,
    ExecutionState::Canceled,
    ExecutionState::Failed,
    ExecutionState::Reconciling,
];
const BLAMES: [&str; 6] = [
    "user",
    "system",
    "resource",
    "dependency",
    "unknown",
    "nonsense",
];

fn kind() -> impl Strategy<Value = EventKind> {
    prop_oneof![
        (any::<bool>()).prop_map(|fresh| EventKind::Submitted {
            name: "j".into(),
            fresh
        }),
        (1u32..4).prop_map(|p| EventKind::Topology {
            vertices: vec![Vertex {
                id: "a".into(),
                name: "a".into(),
                parallelism: p
            }]
        }),
        (0..STATUSES.len()).prop_map(|i| EventKind::JobStatus {
            status: STATUSES[i]
        }),
        (0..STATUSES.len()).prop_map(|i| EventKind::JobStatus {
            status: STATUSES[i]
        }),
        (0u32..4, 0u32..3, 0..STATES.len()).prop_map(|(subtask, attempt, s)| EventKind::Task {
            vertex: if subtask == 3 { "b".into() } else { "a".into() },
            subtask,
            attempt,
            state: STATES[s]
        }),
        (0u32..4, 0u32..3, 0..STATES.len()).prop_map(|(subtask, attempt, s)| EventKind::Task {
            vertex: "a".into(),
            subtask,
            attempt,
            state: STATES[s]
        }),
        (0u8..8, 0..BLAMES.len()).prop_map(|(id, b)| EventKind::Failure(Box::new(Failure {
            id: format!("f{id}"),
            labels: BTreeMap::from([
                ("blame".into(), BLAMES[b].into()),
                ("category".into(), "c".into())
            ]),
            ..Failure::default()
        }))),
        Just(EventKind::TaskManagerLost {
            task_manager: "tm".into()
        }),
        Just(EventKind::StuckStart {
            labels: BTreeMap::from([("blame".into(), "user".into())])
        }),
        Just(EventKind::StuckEnd),
        Just(EventKind::BlindStart),
        Just(EventKind::BlindEnd),
        Just(EventKind::Requested {
            action: UserAction::Cancel
        }),
        Just(EventKind::Requested {
            action: UserAction::Redeploy
        }),
        Just(EventKind::Observed),
    ]
}

/// Events of up to two jobs at increasing times (steps of 0 to 3 s), plus global ticks.
fn stream() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0i64..3000, 0u8..5, kind()), 1..120).prop_map(|v| {
        let mut at = 1_000_000;
        v.into_iter()
            .map(|(step, job, kind)| {
                at += step;
                let job = match job {
                    0 => String::new(),
                    1 | 2 => "one".into(),
                    _ => "two".into(),
                };
                let kind = if job.is_empty() {
                    EventKind::Observed
                } else {
                    kind
                };
                Event { at, job, kind }
            })
            .collect()
    })
}

fn run(events: &[Event]) -> (Ledger, Vec<(String, i64, i64)>) {
    let mut ledger = Ledger::new(LedgerConfig::default());
    let mut spans = Vec::new();
    let mut sink = |s: &Span<'_>| spans.push((s.job.to_owned(), s.from, s.to));
    for e in events {
        ledger.ingest_with(e.clone(), &mut sink);
    }
    ledger.finish_with(&mut sink);
    (ledger, spans)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn stages_and_accounts_sum_to_the_lifetime_and_no_span_overlaps(events in stream()) {
        let (ledger, mut spans) = run(&events);
        for job in ledger.jobs() {
            let life = job.clock - job.born;
            prop_assert_eq!(job.stages.total(), life);
            prop_assert_eq!(job.totals.total(), life);
            // Every incident's time is down, planned or startup time, and vice versa.
            let incidents: i64 = job.all_incidents().map(|i| i.stages().total()).sum();
            prop_assert_eq!(incidents, job.totals.downtime() + job.totals.planned + job.totals.startup);
        }
        // Spans of a job tile its lifetime: sorted, they neither overlap nor leave gaps
        // (except while the job was over, when the clock stands still).
        spans.sort();
        for w in spans.windows(2) {
            if w[0].0 == w[1].0 {
                prop_assert!(w[0].2 <= w[1].1, "overlap: {:?} {:?}", w[0], w[1]);
            }
        }
        for job in ledger.jobs() {
            let total: i64 = spans.iter().filter(|s| s.0 == job.key).map(|s| s.2 - s.1).sum();
            prop_assert_eq!(total, job.clock - job.born);
        }
    }

    #[test]
    fn arrival_order_within_the_bound_does_not_matter(events in stream(), seed in any::<u64>()) {
        // Shuffle events among neighbours closer than the bound (5 s) in time.
        let mut shuffled = events.clone();
        let mut x = seed | 1;
        for i in 1..shuffled.len() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let j = i - 1;
            if x % 2 == 0 && shuffled[i].at - shuffled[j].at < 4_000 {
                shuffled.swap(i, j);
            }
        }
        let (a, _) = run(&events);
        let (b, _) = run(&shuffled);
        for job in a.jobs() {
            let other = b.job(&job.key).expect("same jobs");
            prop_assert_eq!(job.totals, other.totals);
            prop_assert_eq!(job.stages, other.stages);
            prop_assert_eq!(job.incidents.len(), other.incidents.len());
        }
    }
}
