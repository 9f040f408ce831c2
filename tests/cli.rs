//! End to end: the `faultline` binary on real traces, real chains, bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn faultline(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .env("FAULTLINE_CACHE_DIR", cache_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache")
}

fn jvm_trace(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/stacktrace/tests/data/jvm")
        .join(name)
        .display()
        .to_string()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn one_line_error(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("faultline: error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains(needle), "{line}");
}

#[test]
fn classify_with_the_built_in_chain_prints_labels_and_filters() {
    let out = faultline(&["classify", "--json", &jvm_trace("simple.txt")], None);
    // (simple.txt: a NumberFormatException from Integer.parseInt called by user code)
    let v = json(&out);
    assert_eq!(v["labels"]["blame"], "user", "{v}");
    assert!(v["labels"]["category"].is_string());
    let filters = v["filters"].as_array().unwrap();
    let names: Vec<&str> = filters
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "resource",
            "known-types",
            "serialization",
            "dependency",
            "state-checkpoint",
            "origin",
            "fallback",
            "stuck"
        ]
    );
    assert!(filters.iter().all(|f| f["outcome"] == "ok"), "{v}");
    assert_eq!(v["provenance"]["blame"], "origin");

    let table = faultline(&["classify", &jvm_trace("simple.txt")], None);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("blame")
            && text.contains("(by origin)")
            && text.contains(&format!(
                "filters (chain {}):",
                v["chain_version"].as_str().unwrap()
            )),
        "{text}"
    );
}

#[test]
fn classify_reads_standard_input_and_flink_exception_entries() {
    let trace = std::fs::read_to_string(jvm_trace("nested_causes.txt")).unwrap();
    let entry = serde_json::json!({ "exceptionName": "java.lang.RuntimeException", "stacktrace": trace, "timestamp": 1_700_000_000_000i64, "taskName": "Map (1/2)" });
    let v = json(&faultline(
        &["classify", "--json", "-"],
        Some(entry.to_string().as_bytes()),
    ));
    assert!(v["labels"]["blame"].is_string(), "{v}");
    let v = json(&faultline(
        &["classify", "--json", "-"],
        Some(trace.as_bytes()),
    ));
    assert!(v["labels"]["blame"].is_string(), "{v}");
}

/// A copy of the built-in chain whose origin filter does not treat unknown classes as user code.
fn strict_origin_chain() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        faultline(&["chain", "export", dir.path().to_str().unwrap()], None)
            .status
            .success()
    );
    let manifest = dir.path().join("chain.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("unknown-is-user = true", "unknown-is-user = false");
    assert!(text.contains("unknown-is-user = false"));
    std::fs::write(manifest, text).unwrap();
    dir
}

#[test]
fn a_user_jar_makes_its_classes_user_code() {
    let chain = strict_origin_chain();
    let chain_arg = chain.path().to_str().unwrap();
    let check = faultline(&["chain", "check", "--chain", chain_arg], None);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let without = json(&faultline(
        &[
            "classify",
            "--json",
            "--chain",
            chain_arg,
            &jvm_trace("simple.txt"),
        ],
        None,
    ));
    assert_eq!(without["labels"]["blame"], "system", "{without}");

    let jar = chain.path().join("job.jar");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&jar).unwrap());
    for entry in [
        "META-INF/MANIFEST.MF",
        "TraceFixtures.class",
        "TraceFixtures$JobException.class",
    ] {
        zip.start_file(entry, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"\xca\xfe\xba\xbe").unwrap();
    }
    zip.finish().unwrap();
    let with = json(&faultline(
        &[
            "classify",
            "--json",
            "--chain",
            chain_arg,
            "--user-jar",
            jar.to_str().unwrap(),
            &jvm_trace("simple.txt"),
        ],
        None,
    ));
    assert_eq!(with["labels"]["blame"], "user", "{with}");
    assert_eq!(with["labels"]["origin.frame"], "TraceFixtures.parseRecord");
}

#[test]
fn a_hostile_filter_is_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[[filter]]\nname = \"trap\"\npath = {:?}\n[[filter]]\nname = \"loop\"\npath = {:?}\n[filter.limits]\ntimeout-ms = 10\n[[filter]]\nname = \"fixed\"\npath = {:?}\n[filter.config.labels]\nblame = \"dependency\"\ncategory = \"kafka-broker\"\n",
        faultline_test_filters::TRAP,
        faultline_test_filters::LOOP,
        faultline_test_filters::FIXED
    );
    std::fs::write(dir.path().join("chain.toml"), manifest).unwrap();
    let v = json(&faultline(
        &[
            "classify",
            "--json",
            "--chain",
            dir.path().to_str().unwrap(),
            &jvm_trace("simple.txt"),
        ],
        None,
    ));
    assert_eq!(v["labels"]["blame"], "dependency");
    assert_eq!(v["filters"][0]["outcome"], "skipped");
    assert_eq!(v["filters"][0]["reason"], "trap");
    assert_eq!(v["filters"][1]["reason"], "timeout");
    assert_eq!(v["filters"][2]["outcome"], "ok");
}

#[test]
fn bad_input_and_bad_chains_fail_with_one_clear_line() {
    one_line_error(
        &faultline(&["classify", "/no/such/file.txt"], None),
        "cannot read /no/such/file.txt",
    );
    one_line_error(
        &faultline(&["classify", "-"], Some(b"\x00\x01\x02\xff\xfe garbage")),
        "cannot read a failure",
    );
    one_line_error(
        &faultline(&["classify", "-"], Some(b"")),
        "cannot read a failure",
    );
    one_line_error(
        &faultline(&["classify", "-"], Some(b"{\"throwables\": 3}")),
        "cannot read a failure",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), "[[filter]]\nname = \"x\"\n").unwrap();
    one_line_error(
        &faultline(
            &[
                "classify",
                "--chain",
                dir.path().to_str().unwrap(),
                &jvm_trace("simple.txt"),
            ],
            None,
        ),
        "invalid chain manifest",
    );
    one_line_error(
        &faultline(
            &[
                "classify",
                "--user-jar",
                "/no/such.jar",
                &jvm_trace("simple.txt"),
            ],
            None,
        ),
        "bad --user-jar: cannot open jar /no/such.jar",
    );
    // A chain whose filter cannot load is refused, exactly as a reload would refuse it.
    std::fs::write(
        dir.path().join("chain.toml"),
        "[[filter]]\nname = \"x\"\npath = \"missing.wasm\"\n",
    )
    .unwrap();
    for cmd in ["classify", "eval"] {
        let out = faultline(
            &[
                cmd,
                "--chain",
                dir.path().to_str().unwrap(),
                &jvm_trace("simple.txt"),
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        one_line_error(&out, "filter x: cannot read");
    }
    let check = faultline(
        &["chain", "check", "--chain", dir.path().to_str().unwrap()],
        None,
    );
    assert_eq!(check.status.code(), Some(1));
    // `chain export` does not overwrite a directory that holds something.
    one_line_error(
        &faultline(&["chain", "export", dir.path().to_str().unwrap()], None),
        "is not empty",
    );
    assert!(!dir.path().join("origin.wasm").exists());
    let usage = faultline(&["classify"], None);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["classify", "--json", &jvm_trace("simple.txt")])
        .env("FAULTLINE_CACHE_DIR", cache_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
    assert_ne!(out.status.code(), Some(101));
}

/// Real failures of real Flink 2.3 jobs (`tests/flink/capture.sh`) through the built-in chain.
#[test]
fn real_flink_failures_get_the_expected_blame() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/stacktrace/tests/data/flink");
    for (case, blame, category) in [
        ("failing-map", "user", "user-code"),
        ("lambda-npe", "user", "user-code"),
        ("kryo-unmodifiable", "user", "serialization"),
        ("too-many-slots", "system", "no-resources"),
        ("tm-killed", "system", "tm-lost"),
        ("tm-frozen", "system", "heartbeat-timeout"),
        ("tm-frozen-rm", "system", "heartbeat-timeout"),
        ("heap-oom", "resource", "oom-heap"),
        ("closed-port", "dependency", "connection-refused"),
    ] {
        for file in [format!("{case}.txt"), format!("{case}.exceptions.json")] {
            let v = json(&faultline(
                &["classify", "--json", dir.join(&file).to_str().unwrap()],
                None,
            ));
            assert_eq!(v["labels"]["blame"], blame, "{file}: {v}");
            assert_eq!(v["labels"]["category"], category, "{file}: {v}");
        }
    }
}

#[test]
fn eval_scores_a_corpus_and_skips_bad_lines() {
    // The first captures, each a case the built-in chain must get right.
    const FIRST: [&str; 9] = [
        "local-failing-map",
        "local-lambda-npe",
        "local-too-many-slots",
        "local-closed-port",
        "local-kryo-unmodifiable",
        "local-heap-oom",
        "local-tm-killed",
        "local-tm-frozen",
        "local-tm-frozen-rm",
    ];
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/flink-local.jsonl");
    let text: String = std::fs::read_to_string(&all)
        .unwrap()
        .lines()
        .filter(|l| {
            FIRST
                .iter()
                .any(|id| l.contains(&format!("\"id\": \"{id}\"")))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let n = text.lines().count();
    assert_eq!(n, FIRST.len());
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("first.jsonl");
    std::fs::write(&corpus, &text).unwrap();
    let v = json(&faultline(
        &["eval", "--json", corpus.to_str().unwrap()],
        None,
    ));
    assert_eq!(v["n"], n, "{v}");
    assert_eq!(v["blame_accuracy"], 1.0, "{v}");
    assert_eq!(v["category_accuracy"], 1.0, "{v}");
    assert!(v["confusion"]["system"]["system"].as_u64().unwrap() >= 1);

    // A wrong label, a garbage line and a blank trace: scored, skipped, skipped.
    let mut bad_text = text.clone();
    bad_text.push_str("{not json\n");
    bad_text.push_str("{\"stacktrace\": \" \\n \", \"blame\": \"user\"}\n");
    bad_text = bad_text.replacen("\"blame\": \"dependency\"", "\"blame\": \"user\"", 1);
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, bad_text).unwrap();
    let out = faultline(&["eval", "--json", bad.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v = json(&out);
    assert_eq!(v["n"], n);
    assert_eq!(v["blame_accuracy"], (n - 1) as f64 / n as f64);
    assert_eq!(v["confusion"]["user"]["dependency"], 1);
    let wrong = text
        .lines()
        .position(|l| l.contains("\"blame\": \"dependency\""))
        .unwrap()
        + 1;
    assert_eq!(v["worst"][0]["line"], wrong);
    assert_eq!(v["skipped"].as_array().unwrap().len(), 2);
    assert!(
        stderr.contains(&format!("bad.jsonl:{}: skipped", n + 1))
            && stderr.contains(&format!("bad.jsonl:{}: skipped", n + 2)),
        "{stderr}"
    );
}

#[test]
fn eval_split_selects_items_by_their_split_field() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/flink-local.jsonl");
    let text = std::fs::read_to_string(&corpus).unwrap();
    let count = |split: &str| {
        text.lines()
            .filter(|l| l.contains(&format!("\"split\": \"{split}\"")))
            .count()
    };
    for split in ["tune", "holdout"] {
        let v = json(&faultline(
            &["eval", "--json", "--split", split, corpus.to_str().unwrap()],
            None,
        ));
        assert_eq!(v["n"], count(split), "{split}: {v}");
    }
    // No item to score is an error, not an accuracy of 0 %.
    one_line_error(
        &faultline(
            &[
                "eval",
                "--json",
                "--split",
                "nothing-here",
                corpus.to_str().unwrap(),
            ],
            None,
        ),
        "no corpus item of split `nothing-here`",
    );
}

#[test]
fn prose_and_long_python_tracebacks_are_classified() {
    // YARN's diagnostics: no Java exception, classified by the message.
    let yarn = b"Container [pid=122806,containerID=container_e10_01_000003] is running beyond physical memory limits. Current usage: 4.0 GB of 4 GB physical memory used. Killing container.\n";
    let v = json(&faultline(&["classify", "--json", "-"], Some(yarn)));
    assert_eq!(v["labels"]["blame"], "resource", "{v}");
    assert_eq!(v["labels"]["category"], "container-killed", "{v}");

    // A PyFlink UDF failing in the Python worker, its traceback longer than
    // the record's message limit: the innermost frames at its end decide.
    let mut t = String::from(
        "java.lang.RuntimeException: Error received from SDK harness for instruction 2: Traceback (most recent call last):\n",
    );
    for i in 0..60 {
        t.push_str(&format!("  File \"/usr/local/lib/python3.8/site-packages/apache_beam/runners/worker/bundle_processor.py\", line {}, in process_bundle\n    op.start()\n", 900 + i));
    }
    t.push_str("  File \"/usr/local/lib/python3.8/site-packages/pyflink/fn_execution/table/operations.py\", line 101, in process_element\n    return self.func(value)\n");
    t.push_str("  File \"/tmp/python-dist-7f/python-files/udfs.py\", line 12, in eval\n    return int(s) / 0\nZeroDivisionError: division by zero\n\n");
    t.push_str("\tat org.apache.beam.runners.fnexecution.control.FnApiControlClient$ResponseStreamObserver.onNext(FnApiControlClient.java:180)\n\tat org.apache.flink.streaming.api.runners.python.beam.BeamPythonFunctionRunner.finishBundle(BeamPythonFunctionRunner.java:381)\n");
    assert!(t.len() > 8192);
    let v = json(&faultline(&["classify", "--json", "-"], Some(t.as_bytes())));
    assert_eq!(v["labels"]["blame"], "user", "{v}");
    assert_eq!(v["labels"]["category"], "user-code", "{v}");
    assert_eq!(v["labels"]["origin.frame"], "udfs.py:12 eval", "{v}");
}

#[test]
fn classify_stuck_blames_real_thread_dumps() {
    let dump = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/stacktrace/tests/data/threads")
            .join(name)
            .display()
            .to_string()
    };
    for (name, blame, category) in [
        ("jstack_deadlock.txt", "user", "deadlock"),
        ("rest_deadlock.json", "user", "deadlock"),
        ("jstack_sleep.txt", "user", "user-blocked"),
        ("jstack_future.txt", "user", "user-blocked"),
        ("jstack_spin.txt", "user", "user-spin"),
        ("jstack_socket.txt", "dependency", "dependency-blocked"),
        ("rest_socket.json", "dependency", "dependency-blocked"),
    ] {
        let v = json(&faultline(
            &["classify", "--stuck", "--json", &dump(name)],
            None,
        ));
        assert_eq!(v["labels"]["blame"], blame, "{name}: {v}");
        assert_eq!(v["labels"]["category"], category, "{name}: {v}");
        assert_eq!(v["provenance"]["blame"], "stuck", "{name}: {v}");
    }
    // Standard input and the table, with the deadlock's threads named.
    let text = std::fs::read(dump("jstack_deadlock.txt")).unwrap();
    let out = faultline(&["classify", "--stuck", "-"], Some(&text));
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("deadlock  (by stuck)") && table.contains("'inventory-refresher'"),
        "{table}"
    );
    // A stack trace is not a thread dump: one line, exit 1.
    let out = faultline(&["classify", "--stuck", &jvm_trace("simple.txt")], None);
    assert_eq!(out.status.code(), Some(1));
    one_line_error(&out, "no thread found");
    // The built-in chain's answer to failures is unchanged by the stuck filter.
    let v = json(&faultline(
        &["classify", "--json", &jvm_trace("simple.txt")],
        None,
    ));
    assert_eq!(v["provenance"]["blame"], "origin", "{v}");
}
