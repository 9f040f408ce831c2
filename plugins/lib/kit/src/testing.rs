//! Records for host tests: a Java stack trace parsed by Faultline's own
//! parser and laid out in the packed tables of the contract, as the engine
//! hands it to a filter. Test-only; panics on bad fixtures.

use faultline_abi::{self as abi, NONE, Writer};
use faultline_model::{FailureRecord, Origin, Relation};
use faultline_stacktrace::OriginRules;

/// The record of `trace` with the default origin rules (no user jar) and no labels.
pub fn record(trace: &str) -> Vec<u32> {
    record_with(trace, &[], &[])
}

/// The record of `trace`, classes under `user_packages` marked as user
/// code, with `labels` as set by earlier filters.
pub fn record_with(trace: &str, user_packages: &[&str], labels: &[(&str, &str)]) -> Vec<u32> {
    let mut rules = OriginRules::default();
    for p in user_packages {
        rules = rules.with_user_prefix(*p);
    }
    let parsed = faultline_stacktrace::parse(trace, &rules).expect("test trace parses");
    encode(&parsed, labels)
}

/// Lays `record` out as in `wit/classifier.wit` (context left unknown).
pub fn encode(record: &FailureRecord, labels: &[(&str, &str)]) -> Vec<u32> {
    let frames: usize = record.throwables.iter().map(|t| t.frames.len()).sum();
    let mut w = Writer::new(
        &[
            (1, abi::context::STRIDE),
            (record.throwables.len(), abi::throwable::STRIDE),
            (frames, abi::frame::STRIDE),
            (0, abi::label::STRIDE),
        ],
        0,
    );
    let mut next_frame = 0;
    for (i, t) in record.throwables.iter().enumerate() {
        let first = next_frame;
        for f in &t.frames {
            use abi::frame::*;
            w.span(2, next_frame, CLASS, &f.class);
            w.span(2, next_frame, METHOD, &f.method);
            w.span(2, next_frame, FILE, f.file.as_deref().unwrap_or(""));
            let row = w.row(2, next_frame);
            row[LINE] = if f.native {
                LINE_NATIVE
            } else {
                f.line.map_or(LINE_UNKNOWN, |l| l as i32)
            } as u32;
            row[ORIGIN] = match f.origin {
                Origin::Unknown => 0,
                Origin::User => 1,
                Origin::Flink => 2,
                Origin::Jdk => 3,
                Origin::Library => 4,
            };
            next_frame += 1;
        }
        use abi::throwable::*;
        w.span(1, i, CLASS, &t.class);
        w.span(1, i, MESSAGE, t.message.as_deref().unwrap_or(""));
        let row = w.row(1, i);
        row[FLAGS] =
            u32::from(t.message.is_some()) * HAS_MESSAGE + u32::from(t.circular) * CIRCULAR;
        row[FRAMES_START] = first as u32;
        row[FRAMES_LEN] = t.frames.len() as u32;
        row[OMITTED] = t.frames_omitted;
        row[PARENT] = t.parent.unwrap_or(NONE);
        row[RELATION] = match t.relation {
            Relation::Root => 0,
            Relation::Cause => 1,
            Relation::Suppressed => 2,
        };
    }
    let row = w.row(0, 0);
    row[abi::context::SUBTASK_INDEX] = u32::MAX;
    row[abi::context::ATTEMPT_NUMBER] = u32::MAX;
    abi::put_u64(row, abi::context::TIMESTAMP_MS, u64::MAX);
    row[abi::context::FLAGS] = if record.truncated {
        abi::context::TRUNCATED
    } else {
        0
    };
    let mut buf = w.finish();
    if !labels.is_empty() {
        abi::append_labels(&mut buf, 3, labels.iter().copied());
    }
    buf
}

/// The labels of a verdict as a map, for assertions.
pub fn labels(v: &faultline_sdk::Verdict) -> std::collections::BTreeMap<String, String> {
    v.labels()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// `(blame, category)` of a verdict, `None` for each label not set.
pub fn decision(v: &faultline_sdk::Verdict) -> (Option<String>, Option<String>) {
    let l = labels(v);
    (l.get("blame").cloned(), l.get("category").cloned())
}

/// The filter named `name` built from its `[filter.config]` in the shipped
/// `plugins/chain.toml`, the way the engine builds it (config as JSON), so
/// tests check the tables that ship.
pub fn shipped<F: faultline_sdk::Filter>(name: &str) -> F {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../chain.toml");
    let text = std::fs::read_to_string(&path).expect("read plugins/chain.toml");
    let manifest: toml::Value = toml::from_str(&text).expect("chain.toml is TOML");
    let filters = manifest
        .get("filter")
        .and_then(|f| f.as_array())
        .expect("[[filter]] entries");
    let entry = filters
        .iter()
        .find(|f| f.get("name").and_then(|n| n.as_str()) == Some(name))
        .unwrap_or_else(|| panic!("no filter {name} in chain.toml"));
    let config = entry
        .get("config")
        .cloned()
        .unwrap_or(toml::Value::Table(Default::default()));
    let json = serde_json::to_string(&config).expect("config as JSON");
    let config: F::Config =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("config of {name}: {e}"));
    F::new(config).unwrap_or_else(|e| panic!("{name} refuses its shipped config: {e}"))
}

/// Classifies `trace` with `filter` and returns `(blame, category)`.
pub fn run<F: faultline_sdk::Filter>(filter: &F, trace: &str) -> (Option<String>, Option<String>) {
    let rec = record(trace);
    decision(&filter.classify(&faultline_sdk::Failure::new(&rec)))
}

/// `(Some(blame), Some(category))`, for comparing with [`run`].
pub fn want(blame: &str, category: &str) -> (Option<String>, Option<String>) {
    (Some(blame.to_owned()), Some(category.to_owned()))
}

/// The stuck sample of a thread dump (jstack text or Flink's thread-dump
/// JSON) parsed by Faultline's own parser, classes under `user_packages`
/// marked as user code, laid out as the engine hands it to `classify-stuck`.
pub fn stuck_dump(dump: &str, user_packages: &[&str], labels: &[(&str, &str)]) -> Vec<u32> {
    let mut rules = OriginRules::default();
    for p in user_packages {
        rules = rules.with_user_prefix(*p);
    }
    let sample =
        faultline_stacktrace::parse_thread_dump(dump.as_bytes(), &rules).expect("test dump parses");
    encode_stuck(&sample, labels)
}

/// Lays `sample` out as in `wit/classifier.wit` (context left unknown).
pub fn encode_stuck(sample: &faultline_model::StuckSample, labels: &[(&str, &str)]) -> Vec<u32> {
    use faultline_model::ThreadState;
    let n = sample.threads.len();
    let frames: usize = sample.threads.iter().map(|t| t.frames.len()).sum();
    let locks: usize = sample.threads.iter().map(|t| t.locks_held.len()).sum();
    let mut w = Writer::new(
        &[
            (1, abi::context::STRIDE),
            (1, abi::progress::STRIDE),
            (n, abi::thread::STRIDE),
            (frames, abi::frame::STRIDE),
            (locks, abi::lock::STRIDE),
            (0, abi::label::STRIDE),
        ],
        0,
    );
    let (mut next_frame, mut next_lock) = (0usize, 0usize);
    for (i, t) in sample.threads.iter().enumerate() {
        for (k, f) in t.frames.iter().enumerate() {
            use abi::frame::*;
            let at = next_frame + k;
            w.span(3, at, CLASS, &f.class);
            w.span(3, at, METHOD, &f.method);
            w.span(3, at, FILE, f.file.as_deref().unwrap_or(""));
            let row = w.row(3, at);
            row[LINE] = if f.native {
                LINE_NATIVE
            } else {
                f.line.map_or(LINE_UNKNOWN, |l| l as i32)
            } as u32;
            row[ORIGIN] = match f.origin {
                Origin::Unknown => 0,
                Origin::User => 1,
                Origin::Flink => 2,
                Origin::Jdk => 3,
                Origin::Library => 4,
            };
        }
        for l in &t.locks_held {
            w.span(4, next_lock, abi::lock::LOCK, &l.lock);
            let row = w.row(4, next_lock);
            row[abi::lock::THREAD] = i as u32;
            row[abi::lock::DEPTH] = l.frame_depth;
            next_lock += 1;
        }
        use abi::thread::*;
        w.span(2, i, NAME, &t.name);
        if let Some(on) = &t.waiting_on {
            w.span(2, i, WAITING_ON, on);
        }
        let row = w.row(2, i);
        abi::put_u64(row, ID, t.thread_id.unwrap_or(-1) as u64);
        row[STATE] = match t.state {
            ThreadState::New => 0,
            ThreadState::Runnable => 1,
            ThreadState::Blocked => 2,
            ThreadState::Waiting => 3,
            ThreadState::TimedWaiting => 4,
            ThreadState::Terminated => 5,
            ThreadState::Unknown => 6,
        };
        row[FLAGS] = if t.task_thread { TASK_THREAD } else { 0 };
        row[FRAMES_START] = next_frame as u32;
        row[FRAMES_LEN] = t.frames.len() as u32;
        row[LOCK_OWNER] = t.lock_owner.filter(|&o| (o as usize) < n).unwrap_or(NONE);
        next_frame += t.frames.len();
    }
    let p = &sample.progress;
    {
        use abi::progress::*;
        let row = w.row(1, 0);
        abi::put_u64(row, STALLED_MS, p.stalled_ms);
        abi::put_u64(row, RECORDS_IN, p.records_in);
        abi::put_u64(row, RECORDS_OUT, p.records_out);
        row[BACKPRESSURED_RATIO] = p.backpressured_ratio.unwrap_or(-1.0).to_bits();
        row[BUSY_RATIO] = p.busy_ratio.unwrap_or(-1.0).to_bits();
        abi::put_u64(
            row,
            LAST_CHECKPOINT_AGE_MS,
            p.last_checkpoint_age_ms.unwrap_or(-1) as u64,
        );
    }
    let row = w.row(0, 0);
    row[abi::context::SUBTASK_INDEX] = u32::MAX;
    row[abi::context::ATTEMPT_NUMBER] = u32::MAX;
    abi::put_u64(row, abi::context::TIMESTAMP_MS, u64::MAX);
    let mut buf = w.finish();
    if !labels.is_empty() {
        abi::append_labels(&mut buf, 5, labels.iter().copied());
    }
    buf
}
