//! Records for host tests: a Java stack trace parsed by Faultline's own
//! parser and laid out in the packed tables of the contract, as the engine
//! hands it to a filter. Test-only; panics on bad fixtures.

use faultline_abi::{self as abi, NONE};
use faultline_model::{FailureRecord, Origin, Relation};
use faultline_sdk::wit;
use faultline_stacktrace::OriginRules;

/// The record of `trace` with the default origin rules (no user jar) and no labels.
pub fn record(trace: &str) -> wit::FailureRecord {
    record_with(trace, &[], &[])
}

/// The record of `trace`, classes under `user_packages` marked as user
/// code, with `labels` as set by earlier filters.
pub fn record_with(
    trace: &str,
    user_packages: &[&str],
    labels: &[(&str, &str)],
) -> wit::FailureRecord {
    let mut rules = OriginRules::default();
    for p in user_packages {
        rules = rules.with_user_prefix(*p);
    }
    let parsed = faultline_stacktrace::parse(trace, &rules).expect("test trace parses");
    encode(&parsed, labels)
}

fn put(blob: &mut String, row: &mut [u32], at: usize, s: &str) {
    row[at] = blob.len() as u32;
    row[at + 1] = s.len() as u32;
    blob.push_str(s);
}

fn empty_span() -> wit::Span {
    wit::Span { start: 0, len: 0 }
}

/// Lays `record` out as in `wit/classifier.wit`.
pub fn encode(record: &FailureRecord, labels: &[(&str, &str)]) -> wit::FailureRecord {
    let frames: usize = record.throwables.iter().map(|t| t.frames.len()).sum();
    let counts = [record.throwables.len(), frames, labels.len()];
    let mut tables: Vec<u32> = counts.iter().map(|&c| c as u32).collect();
    let strides = abi::FAILURE_TABLES;
    tables.resize(
        3 + counts
            .iter()
            .zip(strides)
            .map(|(c, s)| c * s)
            .sum::<usize>(),
        0,
    );
    let mut blob = String::new();
    let t_base = 3;
    let f_base = t_base + counts[0] * strides[0];
    let l_base = f_base + counts[1] * strides[1];
    let mut next_frame = 0;
    for (i, t) in record.throwables.iter().enumerate() {
        let first = next_frame;
        for f in &t.frames {
            let at = f_base + next_frame * abi::frame::STRIDE;
            let row = &mut tables[at..at + abi::frame::STRIDE];
            put(&mut blob, row, abi::frame::CLASS, &f.class);
            put(&mut blob, row, abi::frame::METHOD, &f.method);
            put(
                &mut blob,
                row,
                abi::frame::FILE,
                f.file.as_deref().unwrap_or(""),
            );
            row[abi::frame::LINE] = if f.native {
                abi::frame::LINE_NATIVE
            } else {
                f.line.map_or(abi::frame::LINE_UNKNOWN, |l| l as i32)
            } as u32;
            row[abi::frame::ORIGIN] = match f.origin {
                Origin::Unknown => 0,
                Origin::User => 1,
                Origin::Flink => 2,
                Origin::Jdk => 3,
                Origin::Library => 4,
            };
            next_frame += 1;
        }
        use abi::throwable::*;
        let at = t_base + i * STRIDE;
        let row = &mut tables[at..at + STRIDE];
        put(&mut blob, row, CLASS, &t.class);
        put(&mut blob, row, MESSAGE, t.message.as_deref().unwrap_or(""));
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
    for (i, (k, v)) in labels.iter().enumerate() {
        let at = l_base + i * abi::label::STRIDE;
        let row = &mut tables[at..at + abi::label::STRIDE];
        put(&mut blob, row, abi::label::KEY, k);
        put(&mut blob, row, abi::label::VALUE, v);
    }
    wit::FailureRecord {
        strings: blob,
        tables,
        context: wit::Context {
            job_id: empty_span(),
            job_name: empty_span(),
            task_name: empty_span(),
            subtask_index: -1,
            attempt_number: -1,
            failure_type: wit::FailureType::Unknown,
            task_manager_id: empty_span(),
            task_manager_host: empty_span(),
            timestamp_ms: -1,
        },
        truncated: record.truncated,
    }
}

/// The labels of a verdict as a map, for assertions.
pub fn labels(v: &faultline_sdk::Verdict) -> std::collections::BTreeMap<String, String> {
    v.labels().iter().cloned().collect()
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
