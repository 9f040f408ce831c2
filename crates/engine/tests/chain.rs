//! The engine against real components built from `tests/filters`.

use std::path::Path;

use faultline_engine::{Chain, ChainError, Engine, EngineConfig, Outcome, SkipReason};
use faultline_model::{
    FailureRecord, Origin, Relation, StuckSample, ThreadSample, ThreadState, Throwable,
};
use faultline_test_filters::{self as filters, frame, sample_record};

fn engine(cache: Option<&Path>) -> Engine {
    Engine::new(EngineConfig {
        cache_dir: cache.map(Path::to_owned),
        ..EngineConfig::default()
    })
    .unwrap()
}

/// Writes `manifest` into a fresh directory and loads it.
fn chain(engine: &Engine, manifest: &str) -> (Chain, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), manifest).unwrap();
    (Chain::load(engine, dir.path()).unwrap(), dir)
}

fn entry(name: &str, path: &str, extra: &str) -> String {
    format!("[[filter]]\nname = {name:?}\npath = {path:?}\n{extra}\n")
}

fn fixed(name: &str, labels: &[(&str, &str)], extra: &str) -> String {
    let table: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k:?} = {v:?}"))
        .collect();
    entry(
        name,
        filters::FIXED,
        &format!(
            "{extra}\n[filter.config]\nlabels = {{ {} }}\n",
            table.join(", ")
        ),
    )
}

#[test]
fn the_whole_record_reaches_the_guest() {
    let e = engine(None);
    let manifest = fixed("first", &[("blame", "user")], "") + &entry("echo", filters::ECHO, "");
    let (chain, _dir) = chain(&e, &manifest);
    assert!(chain.problems().is_empty(), "{:?}", chain.problems());
    let r = chain.classify(&sample_record());
    let l = &r.labels;
    assert_eq!(l["echo.root"], "org.apache.flink.runtime.JobException");
    assert_eq!(l["echo.root-cause"], "java.lang.IllegalStateException");
    assert_eq!(l["echo.root-cause-message"], "bad record 42");
    assert_eq!(l["echo.causes"], "3");
    assert_eq!(l["echo.frames"], "50");
    assert_eq!(l["echo.top-frame"], "com.acme.jobs.Enrich.map:42:user");
    assert_eq!(l["echo.seen"], "blame=user");
    assert_eq!(l["echo.job"], "enrich");
    assert_eq!(l["echo.subtask"], "3");
    assert_eq!(l["echo.truncated"], "false");
    assert_eq!(r.provenance["echo.root"], "echo");
    assert_eq!(r.provenance["blame"], "first");
}

#[test]
fn order_stop_merge_and_provenance() {
    let e = engine(None);
    let manifest = [
        fixed("a", &[("blame", "user")], ""),
        fixed(
            "b",
            &[("blame", "system"), ("category", "udf-exception")],
            "",
        ),
        fixed("c", &[("category", "serialization")], "overwrite = true"),
        fixed("shadow", &[("blame", "dependency")], "mode = \"shadow\""),
        fixed("stopper", &[("team", "data")], "[filter.config.x]\n"),
    ]
    .concat();
    // `stopper` has no stop yet; make a second chain where `c` stops.
    let (chain1, _d1) = chain(&e, &manifest);
    let r = chain1.classify(&sample_record());
    assert_eq!(r.labels["blame"], "user");
    assert_eq!(r.provenance["blame"], "a");
    assert_eq!(r.labels["category"], "serialization");
    assert_eq!(r.provenance["category"], "c");
    assert_eq!(r.labels["team"], "data");
    assert_eq!(
        r.filters
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b", "c", "shadow", "stopper"]
    );
    assert_eq!(r.filters[1].applied, vec!["category".to_owned()]);
    assert_eq!(r.filters[3].labels["blame"], "dependency");
    assert!(r.filters[3].applied.is_empty());

    let stopping = [
        fixed("a", &[("blame", "user")], ""),
        fixed("b", &[("category", "udf-exception")], "")
            .replace("[filter.config]\n", "[filter.config]\nstop = true\n"),
        fixed("shadow", &[("blame", "system")], "mode = \"shadow\""),
        fixed("late", &[("category", "never")], ""),
    ]
    .concat();
    let (chain2, _d2) = chain(&e, &stopping);
    let r = chain2.classify(&sample_record());
    assert_eq!(r.labels["category"], "udf-exception");
    assert!(r.filters[1].stop);
    assert_eq!(
        r.filters[2].outcome,
        Outcome::Ok,
        "shadow filters run after a stop"
    );
    assert_eq!(r.filters[3].outcome, Outcome::NotRun);
    assert_eq!(r.labels.len(), 2);
}

fn skip_reason(chain: &Chain, name: &str, record: &FailureRecord) -> SkipReason {
    let r = chain.classify(record);
    match &r.filters.iter().find(|f| f.name == name).unwrap().outcome {
        Outcome::Skipped(reason) => reason.clone(),
        other => panic!("{name} was not skipped: {other:?}"),
    }
}

#[test]
fn hostile_filters_are_skipped_with_their_reason_and_the_chain_goes_on() {
    let e = engine(None);
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"\0asm\x01\0\0\0this is not a component").unwrap();
    let manifest = [
        entry("loop", filters::LOOP, "[filter.limits]\ntimeout-ms = 20"),
        entry(
            "hog",
            filters::HOG,
            "[filter.limits]\nmemory-mib = 8\ntimeout-ms = 1000",
        ),
        entry("trap", filters::TRAP, ""),
        entry(
            "flood",
            filters::FLOOD,
            "[filter.limits]\nmemory-mib = 32\ntimeout-ms = 1000",
        ),
        entry("garbage", garbage.to_str().unwrap(), ""),
        entry("missing", "does/not/exist.wasm", ""),
        entry("refuses", filters::FIXED, "[filter.config]\nrefuse = true"),
        fixed(
            "survivor",
            &[("blame", "user"), ("category", "udf-exception")],
            "",
        ),
    ]
    .concat();
    std::fs::write(dir.path().join("chain.toml"), manifest).unwrap();
    let chain = Chain::load(&e, dir.path()).unwrap();

    let problems: Vec<String> = chain
        .problems()
        .iter()
        .map(|p| format!("{}: {}", p.filter, p.message))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with("garbage: not a valid WebAssembly component"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("missing: cannot read") && problems[1].contains("exist.wasm"),
        "{problems:?}"
    );
    assert!(
        problems[2].contains("init refused its config: refused as configured"),
        "{problems:?}"
    );

    let record = sample_record();
    for _ in 0..3 {
        let r = chain.classify(&record);
        assert_eq!(r.labels["blame"], "user");
        assert_eq!(r.provenance["blame"], "survivor");
        let reasons: Vec<&str> = r
            .filters
            .iter()
            .map(|f| match &f.outcome {
                Outcome::Skipped(reason) => reason.kind(),
                Outcome::Ok => "ok",
                Outcome::NotRun => "not-run",
            })
            .collect();
        assert_eq!(
            reasons,
            [
                "timeout",
                "memory",
                "trap",
                "invalid-output",
                "unavailable",
                "unavailable",
                "unavailable",
                "ok"
            ]
        );
    }
    assert!(
        matches!(skip_reason(&chain, "flood", &record), SkipReason::InvalidOutput(m) if m.contains("more than the limit"))
    );
    assert!(
        matches!(skip_reason(&chain, "trap", &record), SkipReason::Trap(m) if m.contains("unreachable"))
    );

    // A trapped instance is replaced: the same filter answers the next good input.
    let ok = FailureRecord::single("ok", None, vec![]);
    let r = chain.classify(&ok);
    assert_eq!(r.labels["trap"], "spared");

    let stats = chain.stats();
    let stat = |n: &str| stats.iter().find(|(name, _)| name == n).unwrap().1.clone();
    // 3 rounds, 2 `skip_reason` calls and the good input: 6 calls each.
    assert_eq!(stat("loop").timeout, 6);
    assert_eq!(stat("hog").memory, 6);
    assert_eq!((stat("trap").trap, stat("trap").ok), (5, 1));
    assert_eq!(stat("flood").invalid_output, 6);
    assert_eq!(stat("missing").unavailable, 6);
    assert_eq!(stat("survivor").ok, 6);
}

#[test]
fn fail_closed_filter_marks_the_result_unknown() {
    let e = engine(None);
    let manifest = fixed("a", &[("blame", "user")], "")
        + &entry("trap", filters::TRAP, "on-error = \"closed\"")
        + &fixed("after", &[("team", "x")], "");
    let (chain, _d) = chain(&e, &manifest);
    let r = chain.classify(&sample_record());
    assert_eq!(r.labels["blame"], "unknown");
    assert_eq!(
        r.labels["category"],
        faultline_engine::CLASSIFIER_ERROR_CATEGORY
    );
    assert_eq!(r.provenance["blame"], "trap");
    assert_eq!(r.filters[2].outcome, Outcome::NotRun);
}

#[test]
fn broken_manifests_are_refused_with_a_clear_error() {
    let e = engine(None);
    let dir = tempfile::tempdir().unwrap();
    let err = Chain::load(&e, dir.path()).err().unwrap();
    assert!(matches!(err, ChainError::ReadManifest { .. }), "{err}");
    std::fs::write(dir.path().join("chain.toml"), "[[filter]]\nname = 3\n").unwrap();
    let err = Chain::load(&e, dir.path()).err().unwrap().to_string();
    assert!(
        err.starts_with("invalid chain manifest") && err.contains("chain.toml"),
        "{err}"
    );
}

#[test]
fn deep_records_are_cut_but_keep_their_root_cause() {
    let e = engine(None);
    let (chain, _d) = chain(&e, &entry("echo", filters::ECHO, ""));
    let mut record = FailureRecord::single("top", Some("m".repeat(100_000)), vec![]);
    for i in 1..10_000u32 {
        record.throwables.push(Throwable {
            class: format!("E{i}"),
            message: Some(format!("cause {i}")),
            parent: Some(i - 1),
            relation: Relation::Cause,
            ..Default::default()
        });
    }
    let r = chain.classify(&record);
    assert_eq!(r.filters[0].outcome, Outcome::Ok, "{:?}", r.filters[0]);
    assert_eq!(r.labels["echo.truncated"], "true");
    assert_eq!(r.labels["echo.root-cause"], "E9999");
    assert_eq!(r.labels["echo.root-cause-message"], "cause 9999");
    assert_eq!(r.labels["echo.causes"], "64");
}

#[test]
fn stuck_samples_reach_the_guest() {
    let e = engine(None);
    let (chain, _d) = chain(&e, &entry("echo", filters::ECHO, ""));
    let sample = StuckSample {
        threads: vec![
            ThreadSample {
                name: "Map (1/1)".into(),
                state: ThreadState::Blocked,
                task_thread: true,
                lock_owner: Some(1),
                waiting_on: Some("java.lang.Object@1b6d3586".into()),
                frames: vec![frame("com.acme.Slow", "map", 7, Origin::User)],
                ..Default::default()
            },
            ThreadSample {
                name: "holder".into(),
                state: ThreadState::TimedWaiting,
                ..Default::default()
            },
        ],
        progress: faultline_model::Progress {
            stalled_ms: 90_000,
            ..Default::default()
        },
        ..Default::default()
    };
    let r = chain.classify_stuck(&sample);
    assert_eq!(r.labels["echo.threads"], "2");
    assert_eq!(r.labels["echo.blocked-by"], "holder");
    assert_eq!(r.labels["echo.stalled-ms"], "90000");
}

#[test]
fn many_threads_give_the_same_results_as_one() {
    let e = engine(None);
    let manifest = entry("echo", filters::ECHO, "[filter.limits]\ntimeout-ms = 2000")
        + &entry("trap", filters::TRAP, "")
        + &fixed(
            "tail",
            &[("blame", "system")],
            "[filter.limits]\ntimeout-ms = 2000",
        );
    let (chain, _d) = chain(&e, &manifest);
    let records: Vec<FailureRecord> = (0..40)
        .map(|i| {
            let mut r = sample_record();
            r.throwables[2].message = Some(format!("bad record {i}"));
            r.throwables[2].frames.truncate(1 + i % 14);
            if i % 5 == 0 {
                r.throwables[0].class = "ok".into();
            }
            r
        })
        .collect();
    let expected: Vec<_> = records.iter().map(|r| chain.classify(r).labels).collect();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (chain, records, expected) = (&chain, &records, &expected);
            s.spawn(move || {
                for round in 0..10 {
                    for (i, r) in records.iter().enumerate().skip((t + round) % 3) {
                        assert_eq!(
                            chain.classify(r).labels,
                            expected[i],
                            "thread {t} record {i}"
                        );
                    }
                }
            });
        }
    });
}

#[test]
fn compiled_components_are_cached_on_disk() {
    let cache = tempfile::tempdir().unwrap();
    let e = engine(Some(cache.path()));
    let (c1, _d1) = chain(&e, &entry("echo", filters::ECHO, ""));
    let cached: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].extension().is_some_and(|x| x == "cwasm"));
    let before = std::fs::metadata(&cached[0]).unwrap().modified().unwrap();
    let (c2, _d2) = chain(&e, &entry("echo", filters::ECHO, ""));
    assert_eq!(
        std::fs::metadata(&cached[0]).unwrap().modified().unwrap(),
        before,
        "reused, not rewritten"
    );
    assert_eq!(
        c1.classify(&sample_record()).labels,
        c2.classify(&sample_record()).labels
    );

    // A corrupt entry is dropped and rebuilt, never trusted.
    std::fs::write(&cached[0], b"corrupt").unwrap();
    let (c3, _d3) = chain(&e, &entry("echo", filters::ECHO, ""));
    assert!(c3.problems().is_empty());
    assert!(std::fs::metadata(&cached[0]).unwrap().len() > 1000);
}

mod arbitrary {
    use super::*;
    use faultline_model::Frame;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[a-zA-Z.$/]{1,40}", "\\PC{0,20}"]
    }

    fn frame() -> impl Strategy<Value = Frame> {
        (
            text(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            0..5u8,
        )
            .prop_map(|(class, method, file, line, native, o)| Frame {
                class,
                method,
                file,
                line,
                native,
                origin: [
                    Origin::Unknown,
                    Origin::User,
                    Origin::Flink,
                    Origin::Jdk,
                    Origin::Library,
                ][o as usize],
            })
    }

    /// Records that need not be valid: parents may point anywhere, even at themselves.
    fn record() -> impl Strategy<Value = FailureRecord> {
        let throwable = (
            text(),
            proptest::option::of(text()),
            proptest::collection::vec(frame(), 0..8),
            proptest::option::of(0..12u32),
            0..3u8,
            any::<bool>(),
        )
            .prop_map(
                |(class, message, frames, parent, rel, circular)| Throwable {
                    class,
                    message,
                    frames,
                    parent,
                    relation: [Relation::Root, Relation::Cause, Relation::Suppressed][rel as usize],
                    circular,
                    ..Default::default()
                },
            );
        proptest::collection::vec(throwable, 0..12).prop_map(|throwables| FailureRecord {
            throwables,
            ..Default::default()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Whatever the record, the engine and the SDK's views neither panic nor trap.
        #[test]
        fn any_record_classifies_without_failure(r in record()) {
            thread_local! {
                static CHAIN: (Chain, tempfile::TempDir) = {
                    let e = engine(None);
                    chain(&e, &entry("echo", filters::ECHO, "[filter.limits]\ntimeout-ms = 2000\nmax-value-len = 100000"))
                };
            }
            CHAIN.with(|(chain, _)| {
                let result = chain.classify(&r);
                prop_assert_eq!(&result.filters[0].outcome, &Outcome::Ok, "{:?}", result.filters[0]);
                Ok(())
            })?;
        }
    }
}
