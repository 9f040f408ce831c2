//! What a classification costs: one 50-frame, 3-cause record through one
//! filter, through a chain of six, and the same rule logic in native Rust.
//!
//! `cargo bench -p faultline-engine --bench chain`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use faultline_engine::{Chain, Engine, EngineConfig, Manifest};
use faultline_model::FailureRecord;
use faultline_test_filters::{FIXED, RULE, sample_record};

/// (prefix, exception, key, value): the six rules of the chain.
const RULES: [(&str, &str, &str, &str); 6] = [
    ("com.acme.", "", "blame", "user"),
    ("org.apache.kafka.", "", "dependency", "kafka"),
    ("", "java.lang.OutOfMemoryError", "category", "oom"),
    (
        "",
        "java.lang.IllegalStateException",
        "category",
        "udf-exception",
    ),
    ("org.rocksdb.", "", "state", "rocksdb"),
    (
        "org.apache.flink.runtime.executiongraph.",
        "",
        "stage",
        "failover",
    ),
];

fn chain(engine: &Engine, rules: &[(&str, &str, &str, &str)]) -> Chain {
    let mut text = String::new();
    for (i, (prefix, exception, key, value)) in rules.iter().enumerate() {
        text.push_str(&format!(
            "[[filter]]\nname = \"rule{i}\"\npath = {RULE:?}\n[filter.config]\nprefix = {prefix:?}\nexception = {exception:?}\nkey = {key:?}\nvalue = {value:?}\n"
        ));
    }
    let manifest = Manifest::parse(&text, std::path::Path::new("bench.toml")).unwrap();
    let chain = Chain::from_manifest(engine, manifest, |spec| {
        std::fs::read(&spec.path).map_err(|e| e.to_string())
    });
    assert!(chain.problems().is_empty(), "{:?}", chain.problems());
    chain
}

/// The `rule` filter's logic over the host's own record type.
fn native_rule(
    record: &FailureRecord,
    (prefix, exception, key, value): (&str, &str, &str, &str),
) -> Option<(String, String)> {
    let by_frame = !prefix.is_empty()
        && record
            .throwables
            .iter()
            .flat_map(|t| &t.frames)
            .any(|f| f.class.starts_with(prefix));
    let by_class =
        !exception.is_empty() && record.root_cause().is_some_and(|t| t.class == exception);
    (by_frame || by_class).then(|| (key.to_owned(), value.to_owned()))
}

fn bench(c: &mut Criterion) {
    let engine = Engine::new(EngineConfig::default()).unwrap();
    let record = sample_record();
    let one = chain(&engine, &RULES[..1]);
    let six = chain(&engine, &RULES);
    assert_eq!(six.classify(&record).labels.len(), 3);

    let trivial = Manifest::parse(
        &format!("[[filter]]\nname = \"fixed\"\npath = {FIXED:?}\n"),
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    let trivial = Chain::from_manifest(&engine, trivial, |spec| {
        std::fs::read(&spec.path).map_err(|e| e.to_string())
    });
    let tiny = FailureRecord::single("E", None, vec![]);

    let mut g = c.benchmark_group("classify 50 frames x 3 causes");
    g.bench_function("wasm: 1 filter", |b| {
        b.iter(|| black_box(one.classify(black_box(&record))))
    });
    g.bench_function("wasm: 6-filter chain", |b| {
        b.iter(|| black_box(six.classify(black_box(&record))))
    });
    g.bench_function("wasm floor: empty answer to a 1-exception record", |b| {
        b.iter(|| black_box(trivial.classify(black_box(&tiny))))
    });
    g.bench_function("wasm floor: empty answer to the record", |b| {
        b.iter(|| black_box(trivial.classify(black_box(&record))))
    });
    g.bench_function("native: 1 rule", |b| {
        b.iter(|| black_box(native_rule(black_box(&record), RULES[0])))
    });
    g.bench_function("native: 6 rules", |b| {
        b.iter(|| {
            let labels: Vec<_> = RULES
                .iter()
                .filter_map(|r| native_rule(black_box(&record), *r))
                .collect();
            black_box(labels)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
