//! Replay throughput (events per second, decoding the log included) and memory per
//! tracked idle job.
//!
//! `cargo bench -p faultline-ledger --bench replay` prints criterion's figures and then
//! `memory per idle job: N bytes`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group};
use faultline_ledger::log::{Record, decode_record, encode_record};
use faultline_ledger::{
    Event, EventKind, ExecutionState as X, Failure, JobStatus as J, Ledger, LedgerConfig, Vertex,
};

/// Counts live heap bytes, to measure memory per job.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn job_id(i: usize) -> String {
    format!("cluster-1/{i:032x}")
}

/// A fleet's history: `jobs` jobs of 2 vertices × 4 subtasks start, then restart after
/// failures every so often; every second a global tick.
fn history(jobs: usize, rounds: usize) -> Vec<Event> {
    let mut v = Vec::new();
    let mut t = 1_700_000_000_000i64;
    let vertices = vec![
        Vertex {
            id: "a".repeat(32),
            name: "Source: kafka".into(),
            parallelism: 4,
        },
        Vertex {
            id: "b".repeat(32),
            name: "Map -> Sink".into(),
            parallelism: 4,
        },
    ];
    let tasks = |v: &mut Vec<Event>, job: &str, at: i64, attempt: u32, state: X| {
        for vertex in ["a", "b"] {
            for subtask in 0..4 {
                v.push(Event {
                    at,
                    job: job.to_owned(),
                    kind: EventKind::Task {
                        vertex: vertex.repeat(32),
                        subtask,
                        attempt,
                        state,
                    },
                });
            }
        }
    };
    for j in 0..jobs {
        let job = job_id(j);
        v.push(Event {
            at: t,
            job: job.clone(),
            kind: EventKind::Submitted {
                name: format!("job {j}"),
                fresh: true,
            },
        });
        v.push(Event {
            at: t,
            job: job.clone(),
            kind: EventKind::Topology {
                vertices: vertices.clone(),
            },
        });
        v.push(Event {
            at: t,
            job: job.clone(),
            kind: EventKind::JobStatus { status: J::Running },
        });
        for (k, s) in [X::Scheduled, X::Deploying, X::Initializing, X::Running]
            .into_iter()
            .enumerate()
        {
            tasks(&mut v, &job, t + 100 * k as i64, 0, s);
        }
    }
    for round in 1..=rounds as u32 {
        t += 60_000;
        for j in (0..jobs).filter(|j| (j + round as usize).is_multiple_of(10)) {
            let job = job_id(j);
            let labels = BTreeMap::from([
                ("blame".into(), "user".into()),
                ("category".into(), "user-code".into()),
            ]);
            v.push(Event {
                at: t,
                job: job.clone(),
                kind: EventKind::Failure(Box::new(Failure {
                    id: format!("{round}"),
                    stacktrace: "java.lang.IllegalStateException: bad record\n\tat com.acme.Map.map(Map.java:42)".into(),
                    labels,
                    ..Failure::default()
                })),
            });
            v.push(Event {
                at: t,
                job: job.clone(),
                kind: EventKind::JobStatus {
                    status: J::Restarting,
                },
            });
            tasks(&mut v, &job, t, round - 1, X::Canceling);
            tasks(&mut v, &job, t + 500, round - 1, X::Canceled);
            v.push(Event {
                at: t + 1000,
                job: job.clone(),
                kind: EventKind::JobStatus { status: J::Running },
            });
            for (k, s) in [
                X::Created,
                X::Scheduled,
                X::Deploying,
                X::Initializing,
                X::Running,
            ]
            .into_iter()
            .enumerate()
            {
                tasks(&mut v, &job, t + 1000 + 200 * k as i64, round, s);
            }
        }
        for s in 0..60 {
            v.push(Event {
                at: t + 1000 * s,
                job: String::new(),
                kind: EventKind::Observed,
            });
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let events = history(200, 20);
    let mut log = Vec::new();
    for e in &events {
        encode_record(e, &mut log).expect("encode");
    }
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.sample_size(10);
    g.bench_function("apply", |b| {
        b.iter_batched(
            || events.clone(),
            |events| {
                let mut ledger = Ledger::new(LedgerConfig::default());
                for e in events {
                    ledger.ingest(e);
                }
                ledger.flush();
                ledger
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.bench_function("decode+apply", |b| {
        b.iter(|| {
            let mut ledger = Ledger::new(LedgerConfig::default());
            let mut pos = 0;
            while let Record::Event(e, len) = decode_record(&log[pos..]) {
                ledger.ingest(e);
                pos += len;
            }
            ledger.flush();
            ledger
        })
    });
    g.finish();
    println!(
        "replay: {} events, {} log bytes ({:.0} bytes/event)",
        events.len(),
        log.len(),
        log.len() as f64 / events.len() as f64
    );
}

fn memory() {
    let jobs = 10_000;
    let events = history(jobs, 0);
    let mut ledger = Ledger::new(LedgerConfig::default());
    let before = LIVE.load(Ordering::Relaxed);
    for e in events {
        ledger.ingest(e);
    }
    ledger.flush();
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "memory per idle job: {} bytes ({} jobs of 2 vertices x 4 subtasks, RUNNING, startup incident kept)",
        (after - before) / jobs,
        ledger.len()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    memory();
    Criterion::default().configure_from_args().final_summary();
}
