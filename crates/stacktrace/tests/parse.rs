//! Syntax variants, bad input, JSON inputs, jars and scale.

use std::io::Write;
use std::time::{Duration, Instant};

use faultline_model::{FailureRecord, FailureType, Origin, Relation};
use faultline_stacktrace::{
    JarError, OriginRules, ParseError, parse, parse_bytes, parse_input, parse_or_message,
};
use proptest::prelude::*;

fn p(text: &str) -> FailureRecord {
    let r = parse(text, &OriginRules::default()).unwrap_or_else(|e| panic!("{e}: {text}"));
    r.validate().unwrap();
    r
}

fn classes(r: &FailureRecord) -> Vec<(&str, Relation, Option<u32>)> {
    r.throwables
        .iter()
        .map(|t| (t.class.as_str(), t.relation, t.parent))
        .collect()
}

#[test]
fn header_forms() {
    let r = p("java.lang.NullPointerException\n\tat a.B.c(B.java:1)\n");
    assert_eq!(r.throwables[0].message, None);
    let r = p("java.lang.RuntimeException: \n\tat a.B.c(B.java:1)\n");
    assert_eq!(r.throwables[0].message.as_deref(), Some(""));
    let r = p("java.lang.IllegalStateException: a: b: c\n\tat a.B.c(B.java:1)");
    assert_eq!(r.throwables[0].message.as_deref(), Some("a: b: c"));
    // A header alone (no frames) is enough when the class looks like an exception.
    let r = p("org.apache.flink.runtime.JobException: Recovery is suppressed");
    assert_eq!(r.throwables[0].frames.len(), 0);
    // A non-exception-like class name needs a frame right after it.
    let r = p("com.acme.Boom: x\n\tat a.B.c(B.java:1)");
    assert_eq!(r.throwables[0].class, "com.acme.Boom");
    assert_eq!(
        parse("com.acme.Boom: x", &OriginRules::default()),
        Err(ParseError::NoException)
    );
}

#[test]
fn multiline_message_in_cause_and_log_line_end() {
    let text = "2024-05-01 10:00:00,123 ERROR org.apache.flink.runtime.taskmanager.Task [] - Map (1/1) switched from RUNNING to FAILED\n\
java.lang.RuntimeException: outer\n\
\tat a.B.c(B.java:1)\n\
Caused by: org.apache.flink.table.api.ValidationException: SQL validation failed.\n\
line 2 of message\n\
\n\
line 4: after a blank\n\
\tat a.B.d(B.java:2)\n\
\t... 1 more\n\
2024-05-01 10:00:00,124 INFO  next log line\n";
    let r = p(text);
    assert_eq!(classes(&r).len(), 2);
    assert_eq!(
        r.throwables[1].message.as_deref(),
        Some("SQL validation failed.\nline 2 of message\n\nline 4: after a blank")
    );
    assert_eq!(
        (r.throwables[1].frames.len(), r.throwables[1].frames_omitted),
        (1, 1)
    );
    // A frameless header followed by a log line: the log line is not message.
    let r = p(
        "org.apache.flink.runtime.JobException: Recovery is suppressed\n2024-05-01 10:00:00,124 INFO x\n",
    );
    assert_eq!(
        r.throwables[0].message.as_deref(),
        Some("Recovery is suppressed")
    );
}

#[test]
fn suppressed_nesting_with_tabs() {
    let text = "java.lang.Exception: top\n\
\tat a.A.a(A.java:1)\n\
\tSuppressed: java.lang.Exception: s1\n\
\t\tat a.A.b(A.java:2)\n\
\t\tSuppressed: java.lang.Exception: s1.s1\n\
\t\t\tat a.A.c(A.java:3)\n\
\t\tCaused by: java.lang.Exception: s1.s1.cause\n\
\t\t\t... 2 more\n\
\tCaused by: java.lang.Exception: s1.cause\n\
\t\t... 3 more\n\
\tSuppressed: java.lang.Exception: s2\n\
Caused by: java.lang.Exception: cause\n\
\tat a.A.d(A.java:4)\n\
\tSuppressed: java.lang.Exception: cause.s1\n\
Caused by: java.lang.Exception: cause.cause\n";
    let r = p(text);
    let shape: Vec<_> = r
        .throwables
        .iter()
        .map(|t| (t.message.as_deref().unwrap_or(""), t.relation, t.parent))
        .collect();
    assert_eq!(
        shape,
        [
            ("top", Relation::Root, None),
            ("s1", Relation::Suppressed, Some(0)),
            ("s1.s1", Relation::Suppressed, Some(1)),
            ("s1.s1.cause", Relation::Cause, Some(2)),
            ("s1.cause", Relation::Cause, Some(1)),
            ("s2", Relation::Suppressed, Some(0)),
            ("cause", Relation::Cause, Some(0)),
            ("cause.s1", Relation::Suppressed, Some(6)),
            ("cause.cause", Relation::Cause, Some(6)),
        ]
    );
    // The same trace indented with spaces gives the same structure.
    let spaced = text.replace('\t', "    ");
    assert_eq!(p(&spaced).throwables, r.throwables);
    let spaced2 = text.replace('\t', "  ");
    assert_eq!(p(&spaced2).throwables, r.throwables);
    // Indentation lost altogether still gives a valid record.
    let flat: String = text
        .lines()
        .map(|l| format!("{}\n", l.trim_start()))
        .collect();
    let flat = p(&flat);
    assert_eq!(flat.throwables.len(), r.throwables.len());
    // Ambiguous then: every `Caused by:` extends the top-level chain.
    assert_eq!(
        flat.root_cause().and_then(|t| t.message.as_deref()),
        Some("cause.cause")
    );
}

#[test]
fn log4j_logback_suffixes_and_common_frames() {
    let text = "org.apache.flink.util.FlinkException: boom\n\
\tat org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:958) ~[flink-dist-2.3.0.jar:2.3.0]\n\
\tat java.lang.Thread.run(Thread.java:840) [?:?]\n\
Caused by: java.io.IOException: disk\n\
\tat com.acme.Sink.write(Sink.java:3) ~[?:?]\n\
\t... 2 common frames omitted\n";
    let r = parse(text, &OriginRules::default().with_user_prefix("com.acme")).unwrap();
    let f = &r.throwables[0].frames;
    assert_eq!(
        (f[0].method.as_str(), f[0].line, f[0].origin),
        ("doRun", Some(958), Origin::Flink)
    );
    assert_eq!(
        (f[1].class.as_str(), f[1].origin),
        ("java.lang.Thread", Origin::Jdk)
    );
    assert_eq!(r.throwables[1].frames[0].origin, Origin::User);
    assert_eq!(r.throwables[1].frames_omitted, 2);
}

#[test]
fn module_loader_and_hidden_frames() {
    let text = "java.lang.Error: x\n\
\tat app//com.acme.X.y(X.java:1)\n\
\tat java.base@17.0.15/java.lang.Thread.run(Thread.java:840)\n\
\tat java.base/java.lang.invoke.LambdaForm$DMH/0x00000008000c4000.invokeStatic(LambdaForm$DMH)\n\
\tat com.acme.Job$$Lambda/0x0000000800c03000.apply(Unknown Source)\n\
\tat com.acme.Job$$Lambda$12/123456.apply(Unknown Source)\n\
\tat jdk.internal.misc.Unsafe.park(Native Method)\n";
    let mut rules = OriginRules::default();
    rules.add_user_class("com.acme.Job");
    let r = parse(text, &rules).unwrap();
    let got: Vec<_> = r.throwables[0]
        .frames
        .iter()
        .map(|f| {
            (
                f.class.as_str(),
                f.method.as_str(),
                f.line,
                f.native,
                f.origin,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("com.acme.X", "y", Some(1), false, Origin::Unknown),
            ("java.lang.Thread", "run", Some(840), false, Origin::Jdk),
            (
                "java.lang.invoke.LambdaForm$DMH/0x00000008000c4000",
                "invokeStatic",
                None,
                false,
                Origin::Jdk
            ),
            (
                "com.acme.Job$$Lambda/0x0000000800c03000",
                "apply",
                None,
                false,
                Origin::User
            ),
            (
                "com.acme.Job$$Lambda$12/123456",
                "apply",
                None,
                false,
                Origin::User
            ),
            ("jdk.internal.misc.Unsafe", "park", None, true, Origin::Jdk),
        ]
    );
}

#[test]
fn circular_multiline_and_crlf() {
    let text = "java.lang.Exception: a\r\n\tat a.A.a(A.java:1)\r\nCaused by: java.lang.Exception: b\r\n\t... 1 more\r\nCaused by: [CIRCULAR REFERENCE: java.lang.Exception: line1\r\nline2]\r\n";
    let r = p(text);
    let last = &r.throwables[2];
    assert!(last.circular);
    assert_eq!(
        (last.class.as_str(), last.message.as_deref()),
        ("java.lang.Exception", Some("line1\nline2"))
    );
    assert_eq!(r.root_cause().and_then(|t| t.message.as_deref()), Some("b"));
    let r =
        p("java.lang.Exception: a\n\tSuppressed: [CIRCULAR REFERENCE: java.lang.Exception: a]\n");
    assert_eq!(
        (r.throwables[1].relation, r.throwables[1].circular),
        (Relation::Suppressed, true)
    );
    let r = p("java.lang.Exception: a\nCaused by: [CIRCULAR REFERENCE: java.lang.Error]\n");
    assert_eq!(
        (
            r.throwables[1].class.as_str(),
            r.throwables[1].message.as_deref()
        ),
        ("java.lang.Error", None)
    );
}

#[test]
fn several_traces_first_wins() {
    let text = "java.lang.Exception: first\n\tat a.A.a(A.java:1)\n\njava.lang.Exception: second\n\tat a.A.b(A.java:2)\n";
    let r = p(text);
    assert_eq!(r.throwables.len(), 1);
    assert_eq!(r.throwables[0].message.as_deref(), Some("first"));
    // Blank lines inside a trace are skipped.
    let r = p("java.lang.Exception: x\n\tat a.A.a(A.java:1)\n\n\tat a.A.b(A.java:2)\n");
    assert_eq!(r.throwables[0].frames.len(), 2);
}

#[test]
fn kubectl_and_cri_prefixes() {
    let text = "2024-05-01T10:00:00.000Z some startup log\n\
2024-05-01T10:00:00.123Z java.lang.IllegalStateException: x\n\
2024-05-01T10:00:00.124Z \tat a.A.a(A.java:1)\n\
2024-05-01T10:00:00.125+02:00 Caused by: java.io.IOException: y\n";
    let r = p(text);
    assert_eq!(
        classes(&r),
        [
            ("java.lang.IllegalStateException", Relation::Root, None),
            ("java.io.IOException", Relation::Cause, Some(0))
        ]
    );
    let cri = "2024-05-01T10:00:00.123456789Z stderr F java.lang.Error: z\n2024-05-01T10:00:00.123456789Z stderr F \tat a.A.a(A.java:1)\n";
    assert_eq!(p(cri).throwables[0].frames.len(), 1);
}

#[test]
fn bad_input() {
    let rules = OriginRules::default();
    assert_eq!(parse("", &rules), Err(ParseError::Empty));
    assert_eq!(parse(" \n\t\r\n ", &rules), Err(ParseError::Empty));
    assert_eq!(parse_input(b"", &rules), Err(ParseError::Empty));
    assert_eq!(parse_input(b"  \n ", &rules), Err(ParseError::Empty));
    assert_eq!(
        parse_input(b"java.lang.Error\0", &rules),
        Err(ParseError::NotText)
    );
    assert_eq!(
        parse_input(&[0xff, 0xfe, 0x41, 0x80], &rules),
        Err(ParseError::NotText)
    );
    assert_eq!(
        parse("hello world\nnothing to see\n", &rules),
        Err(ParseError::NoException)
    );
    assert_eq!(
        parse("\tat a.B.c(B.java:1)\n", &rules),
        Err(ParseError::NoException)
    );
    // Pseudo-random binary garbage never panics.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let _ = parse_input(&bytes, &rules);
        let lossy = String::from_utf8_lossy(&bytes);
        if let Ok(r) = parse(&lossy, &rules) {
            r.validate().unwrap();
        }
    }
    for e in [
        ParseError::Empty,
        ParseError::NotText,
        ParseError::NoException,
        ParseError::Json("x".into()),
    ] {
        let s = e.to_string();
        assert!(!s.is_empty() && !s.contains('\n'), "{s}");
    }
}

#[test]
fn bytes_input() {
    let rules = OriginRules::default();
    let text = "java.lang.Error: x\n\tat a.B.c(B.java:1)\n";
    let with_bom = format!("\u{feff}{text}");
    assert_eq!(
        parse_bytes(with_bom.as_bytes(), &rules).unwrap(),
        parse(text, &rules).unwrap()
    );
    assert_eq!(parse_bytes(b"", &rules), Err(ParseError::Empty));
    assert_eq!(parse_bytes(b" \r\n\t", &rules), Err(ParseError::Empty));
    assert_eq!(
        parse_bytes(b"java.lang.Error: a\0b\n", &rules),
        Err(ParseError::NotText)
    );
    assert_eq!(
        parse_bytes(b"java.lang.Error: \xc3\x28", &rules),
        Err(ParseError::NotText)
    );
    assert_eq!(
        parse("java.lang.Error: a\0", &rules),
        Err(ParseError::NotText)
    );
    // Bytes that are JSON are not read as JSON by parse_bytes.
    assert_eq!(
        parse_bytes(br#"{"stacktrace": "java.lang.Error"}"#, &rules),
        Err(ParseError::NoException)
    );
}

/// Inputs shaped to hit a quadratic corner of a line scanner.
#[test]
fn pathological_lines_stay_linear() {
    let n = 2_000_000;
    let cases = [
        // A frame with a million slashes and no dot (module/loader stripping).
        format!("java.lang.Error: x\n\tat {}a.b(c)\n", "a/".repeat(n / 2)),
        format!("java.lang.Error: x\n\tat {}a.b(c)\n", "/0x1".repeat(n / 4)),
        // One huge line of parentheses and brackets.
        format!("java.lang.Error: x\n\tat a.b{}\n", "()[]".repeat(n / 4)),
        // Thread prefixes with many quotes before the header.
        format!(
            "Exception in thread \"{}\" java.lang.Error: x\n",
            "\" ".repeat(n / 2)
        ),
        // Many class-like lines that are never confirmed as headers.
        "com.acme.Thing\n".repeat(n / 14) + "java.lang.Error",
        // A long message continuation of indented not-quite frames.
        format!("java.lang.Error: x\n{}", "\tat x\n".repeat(n / 5)),
        // Deep suppressed nesting: every level one tab deeper.
        {
            let mut t = String::from("java.lang.Exception: top\n");
            for i in 1..2_000 {
                t.push_str(&"\t".repeat(i));
                t.push_str("Suppressed: java.lang.Exception: s\n");
            }
            t
        },
    ];
    for text in &cases {
        let start = Instant::now();
        if let Ok(r) = parse(text, &OriginRules::default()) {
            r.validate().unwrap();
        }
        let took = start.elapsed();
        eprintln!("{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}: {}", &text[..60]);
    }
}

#[test]
fn deep_cause_chain() {
    let mut text = String::from("java.lang.Exception: e0\n\tat a.A.a(A.java:1)\n");
    for i in 1..10_000 {
        text.push_str(&format!(
            "Caused by: java.lang.Exception: e{i}\n\tat a.A.a(A.java:{i})\n\t... 1 more\n"
        ));
    }
    let start = Instant::now();
    let r = p(&text);
    let took = start.elapsed();
    assert!(r.truncated);
    assert_eq!(r.throwables.len(), 64);
    assert_eq!(r.throwables[0].message.as_deref(), Some("e0"));
    assert_eq!(
        r.root_cause().and_then(|t| t.message.as_deref()),
        Some("e9999")
    );
    assert_eq!(r.cause_chain().len(), 64);
    eprintln!("parse took {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn ten_megabyte_trace() {
    let mut text = String::from("java.lang.OutOfMemoryError: Java heap space\n");
    let frame = "\tat org.apache.flink.streaming.runtime.tasks.StreamTask.processInput(StreamTask.java:638) ~[flink-dist-2.3.0.jar:2.3.0]\n";
    let mut i = 0;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(frame);
        if i % 1000 == 999 {
            text.push_str("Caused by: java.lang.Exception: level\n");
        }
        i += 1;
    }
    let start = Instant::now();
    let r = p(&text);
    let took = start.elapsed();
    assert!(r.truncated);
    assert!(r.throwables.iter().all(|t| t.frames.len() <= 256));
    assert_eq!(r.throwables[0].frames_omitted, 1000 - 256);
    assert!(took < Duration::from_secs(10), "{took:?}");
    // 10 MB of bare causes and of bare frames.
    let floods = [
        format!(
            "java.lang.Exception: top\n{}",
            "Caused by: a.B\n".repeat(700_000)
        ),
        format!(
            "java.lang.Exception: top\n{}",
            "at a.B.c(D)\n".repeat(900_000)
        ),
    ];
    for flood in &floods {
        let start = Instant::now();
        let r = p(flood);
        let took = start.elapsed();
        assert!(r.truncated && r.throwables.len() <= 64);
        eprintln!("parse took {took:?}");
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
    // One 10 MB message line.
    let long = format!(
        "java.lang.Exception: {}\n\tat a.A.a(A.java:1)\n",
        "x".repeat(10 * 1024 * 1024)
    );
    let r = p(&long);
    assert_eq!(
        r.throwables[0].message.as_ref().map(String::len),
        Some(4096)
    );
}

#[test]
fn json_record() {
    let rules = OriginRules::default();
    let mut rec = FailureRecord::single(
        "java.lang.Exception",
        Some("m".into()),
        vec![faultline_model::Frame {
            class: "java.lang.Thread".into(),
            method: "run".into(),
            ..Default::default()
        }],
    );
    rec.context.job_id = Some("j1".into());
    let json = serde_json::to_string(&rec).unwrap();
    let r = parse_input(json.as_bytes(), &rules).unwrap();
    assert_eq!(r.throwables[0].frames[0].origin, Origin::Jdk);
    assert_eq!(r.context.job_id.as_deref(), Some("j1"));
    // Broken invariants and broken JSON.
    let bad = r#"{"throwables":[{"class":"a","parent":3,"relation":"cause"}]}"#;
    assert!(matches!(
        parse_input(bad.as_bytes(), &rules),
        Err(ParseError::InvalidRecord(_))
    ));
    assert!(matches!(
        parse_input(b"{\"throwables\": [", &rules),
        Err(ParseError::Json(_))
    ));
    assert!(matches!(
        parse_input(b"{\"throwables\": 3}", &rules),
        Err(ParseError::Json(_))
    ));
    let other = parse_input(br#"{"foo": 1}"#, &rules).unwrap_err();
    assert!(matches!(other, ParseError::Json(_)));
    assert!(other.to_string().contains("stacktrace"), "{other}");
}

#[test]
fn json_history_entry() {
    let rules = OriginRules::default().with_user_prefix("com.acme");
    let entry = serde_json::json!({
        "exceptionName": "java.lang.IllegalStateException",
        "stacktrace": "java.lang.IllegalStateException: boom\n\tat com.acme.Job.map(Job.java:12)\n\tat org.apache.flink.runtime.taskmanager.Task.run(Task.java:566)\n",
        "timestamp": 1714557600123_i64,
        "taskName": "Map (1/2)",
        "endpoint": "10.0.0.7:39121",
        "taskManagerId": "tm-1",
        "failureLabels": {}
    });
    let r = parse_input(entry.to_string().as_bytes(), &rules).unwrap();
    let c = &r.context;
    assert_eq!(c.task_name.as_deref(), Some("Map (1/2)"));
    assert_eq!(c.timestamp_ms, Some(1714557600123));
    assert_eq!(c.task_manager_id.as_deref(), Some("tm-1"));
    assert_eq!(c.task_manager_host.as_deref(), Some("10.0.0.7"));
    assert_eq!(c.failure_type, FailureType::Task);
    let origins: Vec<_> = r.throwables[0].frames.iter().map(|f| f.origin).collect();
    assert_eq!(origins, [Origin::User, Origin::Flink]);

    // A global failure: no task; the older `location` field.
    let entry = serde_json::json!({
        "exceptionName": "org.apache.flink.runtime.JobException",
        "stacktrace": "org.apache.flink.runtime.JobException: Recovery is suppressed\n\tat org.apache.flink.runtime.A.b(A.java:1)\n",
        "timestamp": 5, "taskName": null, "location": "tm.example.com:6121"
    });
    let r = parse_input(entry.to_string().as_bytes(), &rules).unwrap();
    assert_eq!(r.context.failure_type, FailureType::Global);
    assert_eq!(
        r.context.task_manager_host.as_deref(),
        Some("tm.example.com")
    );

    // An empty stacktrace falls back to the exception name.
    let entry = r#"{"exceptionName":"java.lang.OutOfMemoryError","stacktrace":"","timestamp":1}"#;
    let r = parse_input(entry.as_bytes(), &rules).unwrap();
    assert_eq!(r.throwables[0].class, "java.lang.OutOfMemoryError");
    assert!(matches!(
        parse_input(br#"{"stacktrace": 3}"#, &rules),
        Err(ParseError::Json(_))
    ));
    assert_eq!(
        parse_input(br#"{"stacktrace": "nothing"}"#, &rules)
            .unwrap()
            .throwables[0]
            .message
            .as_deref(),
        Some("nothing")
    );

    // JSON lines: the first line is the record.
    let lines = format!("{}\n{}\n", entry, r#"{"stacktrace":"java.lang.Error"}"#);
    assert_eq!(
        parse_input(lines.as_bytes(), &rules).unwrap().throwables[0].class,
        "java.lang.OutOfMemoryError"
    );

    // A whole /jobs/:id/exceptions response: its latest entry.
    let response = serde_json::json!({
        "root-exception": "ignored",
        "exceptionHistory": {"entries": [{"exceptionName": "x", "stacktrace": "java.lang.Error: latest", "timestamp": 9}], "truncated": false}
    });
    let r = parse_input(response.to_string().as_bytes(), &rules).unwrap();
    assert_eq!(r.throwables[0].message.as_deref(), Some("latest"));
    assert_eq!(r.context.timestamp_ms, Some(9));
}

fn write_jar(path: &std::path::Path, names: &[&str]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for name in names {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"\xca\xfe\xba\xbe").unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn user_jar() {
    let dir = tempfile::tempdir().unwrap();
    let jar = dir.path().join("job.jar");
    write_jar(
        &jar,
        &[
            "META-INF/MANIFEST.MF",
            "META-INF/versions/11/com/acme/Job.class",
            "module-info.class",
            "com/acme/package-info.class",
            "com/acme/Job.class",
            "com/acme/Job$1.class",
            "com/acme/udf/Parse.class",
            "com/acme/app.properties",
        ],
    );
    let mut rules = OriginRules::default();
    assert_eq!(rules.add_user_jar(&jar).unwrap(), 3);
    assert_eq!(rules.add_user_jar(&jar).unwrap(), 0, "already known");
    assert_eq!(rules.origin("com.acme.Job"), Origin::User);
    assert_eq!(
        rules.origin("com.acme.Job$$Lambda/0x0000000800c03000"),
        Origin::User
    );
    assert_eq!(rules.origin("com.acme.udf.Parse$Inner"), Origin::User);
    assert_eq!(rules.origin("com.acme.Other"), Origin::Unknown);

    let missing = rules
        .add_user_jar(&dir.path().join("missing.jar"))
        .unwrap_err();
    assert!(matches!(missing, JarError::Open { .. }));
    assert!(missing.to_string().contains("missing.jar"), "{missing}");
    let corrupt = dir.path().join("corrupt.jar");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not really a zip").unwrap();
    let err = rules.add_user_jar(&corrupt).unwrap_err();
    assert!(matches!(err, JarError::Zip { .. }));
    assert!(err.to_string().contains("corrupt.jar"), "{err}");
}

#[test]
fn apply_keeps_known_origins() {
    let mut r = p(
        "java.lang.Error\n\tat com.acme.A.b(A.java:1)\n\tat java.lang.Thread.run(Thread.java:1)\n",
    );
    r.throwables[0].frames[0].origin = Origin::Library;
    OriginRules::default()
        .with_user_prefix("com.acme")
        .apply(&mut r);
    assert_eq!(r.throwables[0].frames[0].origin, Origin::Library);
    assert_eq!(r.throwables[0].frames[1].origin, Origin::Jdk);
}

/// Real Flink 2.3 traces captured by `tests/flink/capture.sh`.
#[test]
fn flink_captures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/flink");
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert!(
        entries
            .iter()
            .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
            .count()
            >= 4
    );
    for entry in entries {
        let path = entry.path();
        let name = path.to_string_lossy();
        // Text traces and whole `/jobs/:id/exceptions` REST responses.
        let json = name.ends_with(".json");
        if !(json || name.ends_with(".txt")) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let r = parse_input(&bytes, &OriginRules::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        r.validate().unwrap();
        if json {
            assert!(r.context.timestamp_ms.is_some(), "{}", path.display());
            assert_ne!(r.context.failure_type, FailureType::Unknown);
        }
        let root = &r.throwables[0];
        assert!(
            !root.class.is_empty() && root.class.contains('.'),
            "{}: {}",
            path.display(),
            root.class
        );
        assert!(
            r.throwables.iter().any(|t| !t.frames.is_empty()),
            "{}: no frames",
            path.display()
        );
        assert!(
            r.throwables
                .iter()
                .flat_map(|t| &t.frames)
                .any(|f| f.origin == Origin::Flink),
            "{}: no Flink frame",
            path.display()
        );
    }
}

/// Pieces of trace syntax, glued at random.
fn trace_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("java.lang.Exception: m".to_string()),
        Just("java.lang.Error".to_string()),
        Just("Caused by: java.io.IOException: x".to_string()),
        Just("Caused by: [CIRCULAR REFERENCE: java.lang.Exception: m]".to_string()),
        Just("Caused by: [CIRCULAR REFERENCE: java.lang.Exception: m".to_string()),
        Just("Suppressed: java.lang.Exception".to_string()),
        Just("at a.B.c(B.java:1)".to_string()),
        Just("at java.base/a.B$$Lambda/0x1.c(Unknown Source) ~[x:y]".to_string()),
        Just("... 3 more".to_string()),
        Just("... 99999999999999999999 more".to_string()),
        Just("2024-05-01T10:00:00Z ".to_string()),
        Just("Exception in thread \"main\" ".to_string()),
        Just("\r".to_string()),
        Just("".to_string()),
        "[\\t ]{0,4}",
        ".{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC*") {
        if let Ok(r) = parse(&s, &OriginRules::default()) {
            prop_assert!(r.validate().is_ok());
        }
        let _ = parse_input(s.as_bytes(), &OriginRules::default());
    }

    #[test]
    fn never_panics_on_trace_like_text(pieces in prop::collection::vec((trace_piece(), "[\\t ]{0,3}", trace_piece()), 0..40)) {
        let text: String = pieces.iter().map(|(a, indent, b)| format!("{indent}{a}{b}\n")).collect();
        if let Ok(r) = parse(&text, &OriginRules::default()) {
            prop_assert!(r.validate().is_ok());
        }
        let json = serde_json::json!({ "stacktrace": text, "taskName": "t" }).to_string();
        if let Ok(r) = parse_input(json.as_bytes(), &OriginRules::default()) {
            prop_assert!(r.validate().is_ok());
        }
    }
}

/// The exact shape of a real Flink task failure: a user map throwing.
#[test]
fn flink_user_map_failure_structure() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/flink");
    let rules = OriginRules::default().with_user_prefix("com.acme.");
    let text = std::fs::read(dir.join("failing-map.txt")).unwrap();
    let r = parse_input(&text, &rules).unwrap();
    let spine: Vec<&str> = r
        .cause_chain()
        .iter()
        .map(|&i| r.throwables[i].class.as_str())
        .collect();
    assert_eq!(
        spine,
        [
            "org.apache.flink.runtime.JobException",
            "java.lang.IllegalStateException"
        ]
    );
    let cause = r.root_cause().unwrap();
    assert_eq!(cause.message.as_deref(), Some("bad record 42"));
    assert_eq!(cause.frames[0].class, "com.acme.jobs.FailingMap$Enrich");
    assert_eq!(
        (cause.frames[0].method.as_str(), cause.frames[0].origin),
        ("map", Origin::User)
    );
    assert!(cause.frames[1..].iter().any(|f| f.origin == Origin::Flink));

    // The whole REST response reads as its latest entry, with context.
    let json = std::fs::read(dir.join("failing-map.exceptions.json")).unwrap();
    let from_json = parse_input(&json, &rules).unwrap();
    assert_eq!(from_json.throwables, r.throwables);
    assert!(from_json.context.timestamp_ms.is_some());
}

// Shapes of traces as users paste them: short excerpts of real items of
// tests/corpus/public.jsonl (the item's id is given with each).

/// `(class, message)` of every throwable.
fn headers(r: &FailureRecord) -> Vec<(&str, Option<&str>)> {
    r.throwables
        .iter()
        .map(|t| (t.class.as_str(), t.message.as_deref()))
        .collect()
}

#[test]
fn pasted_from_a_caused_by() {
    // gh-apache-flink-cdc-3048: the text starts at a `Caused by:`.
    let r = p("Caused by: java.io.EOFException\n\
\tat org.apache.flink.core.memory.DataInputDeserializer.readBoolean(DataInputDeserializer.java:125)\n\
\tat com.ververica.cdc.connectors.mysql.source.split.MySqlSplitSerializer.deserializeSplit(MySqlSplitSerializer.java:165)\n\
\t... 10 more");
    assert_eq!(headers(&r), [("java.io.EOFException", None)]);
    assert_eq!(r.throwables[0].relation, Relation::Root);
    assert_eq!(
        (r.throwables[0].frames.len(), r.throwables[0].frames_omitted),
        (2, 10)
    );
    // blog-isxcode-spark-yun-flink-q9-replication: two causes, the first one the root.
    let r = p(
        "Caused by: io.debezium.DebeziumException: java.sql.SQLSyntaxErrorException: Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation\n\
\tat io.debezium.pipeline.source.AbstractSnapshotChangeEventSource.execute(AbstractSnapshotChangeEventSource.java:85)\n\
\t... 5 more\n\
Caused by: java.sql.SQLSyntaxErrorException: Access denied; you need (at least one of) the SUPER, REPLICATION CLIENT privilege(s) for this operation\n\
\tat com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:121)\n\
\t... 8 mor",
    );
    assert_eq!(
        classes(&r),
        [
            ("io.debezium.DebeziumException", Relation::Root, None),
            ("java.sql.SQLSyntaxErrorException", Relation::Cause, Some(0))
        ]
    );
    // blog-isxcode-spark-yun-flink-q13-fb303: a leading space, log4j jar suffixes.
    let r = p(
        " Caused by: java.lang.ClassNotFoundException: com.facebook.fb303.FacebookService$Iface\n\
\tat java.net.URLClassLoader.findClass(URLClassLoader.java:387) ~[?:1.8.0_412]\n\
\tat java.lang.ClassLoader.defineClass1(Native Method) ~[?:1.8.0_412]\n",
    );
    assert_eq!(r.throwables[0].frames.len(), 2);
    assert!(r.throwables[0].frames[1].native);
}

#[test]
fn caption_alone_is_a_message_only_exception() {
    // blog-isxcode-spark-yun-flink-q5-privilege.
    let r = p(
        "Caused by: java.sql.SQLSyntaxErrorException: Access denied; you need (at least one of) the RELOAD or FLUSH_TABLES privilege(s) for this operation",
    );
    assert_eq!(
        headers(&r),
        [(
            "java.sql.SQLSyntaxErrorException",
            Some(
                "Access denied; you need (at least one of) the RELOAD or FLUSH_TABLES privilege(s) for this operation"
            )
        )]
    );
    assert!(r.throwables[0].frames.is_empty());
    // gh-apache-flink-cdc-104: a log line, a blank line, then the caption.
    let r = p(
        "ERROR akka.remote.EndpointWriter   [] - dropping message [class org.apache.flink.runtime.rpc.messages.RemoteRpcInvocation] for non-local recipient [Actor[akka.tcp://flink@192.xx:45578/user/rpc/taskmanager_0#1283715547]]\n\
\n\
Caused by: java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id eaffacbed6a9d6025a362df2738d5299 timed out.",
    );
    assert_eq!(
        headers(&r),
        [(
            "java.util.concurrent.TimeoutException",
            Some("Heartbeat of TaskManager with id eaffacbed6a9d6025a362df2738d5299 timed out.")
        )]
    );
}

#[test]
fn cause_typo_and_two_space_frames() {
    // faq-dinky-hive-shims-version: `Cause by:`, a frame indented by two
    // spaces with a cut jar suffix.
    let r = p(
        "Cause by: java.lang.IllegalArgumentException: Unrecognized Hadoop major version number: 3.1.1.7.2.8.0-224\n  at org.apache.hadoop.hive.shims.ShimLoader.getMajorVersion(Shimloader.java:177) ~[flink-sql-connector-hive-2.2.0...]",
    );
    assert_eq!(r.throwables[0].class, "java.lang.IllegalArgumentException");
    let f = &r.throwables[0].frames[0];
    assert_eq!(
        (f.class.as_str(), f.method.as_str(), f.line),
        (
            "org.apache.hadoop.hive.shims.ShimLoader",
            "getMajorVersion",
            Some(177)
        )
    );
    // blog-ispong-flink-acorn-no-jdbc-factory: frames indented by eight spaces.
    let r = p(
        "Caused by: org.apache.flink.table.api.ValidationException: Cannot discover a connector using option: 'connector'='jdbc'\n\
        at org.apache.flink.table.factories.FactoryUtil.enrichNoMatchingConnectorError(FactoryUtil.java:367)\n\
        at org.apache.flink.table.factories.FactoryUtil.createTableSink(FactoryUtil.java:152)\n\
        ... 34 more\n\
Caused by: org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'jdbc' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.",
    );
    assert_eq!(
        classes(&r)[1],
        (
            "org.apache.flink.table.api.ValidationException",
            Relation::Cause,
            Some(0)
        )
    );
    assert_eq!(
        (r.throwables[0].frames.len(), r.throwables[0].frames_omitted),
        (2, 34)
    );
}

#[test]
fn bare_ellipsis_lines() {
    // faq-dinky-hdfs-nameservice: frames cut to `...` by whoever pasted them.
    let r = p(
        "Caused by: java.io.IOException: Cannot instantiate file system for URI: hdfs://nameservice/flink/lib\n...\nCaused by: java.lang.IllegalArgumentException: java.net.UnknownHostException: nameservice\n...",
    );
    assert_eq!(
        headers(&r),
        [
            (
                "java.io.IOException",
                Some("Cannot instantiate file system for URI: hdfs://nameservice/flink/lib")
            ),
            (
                "java.lang.IllegalArgumentException",
                Some("java.net.UnknownHostException: nameservice")
            )
        ]
    );
    let r = p("java.lang.Exception: x\n\tat a.A.a(A.java:1)\n……\n\tat a.A.b(A.java:2)\n");
    assert_eq!(r.throwables[0].frames.len(), 2);
}

#[test]
fn message_wrapped_over_indented_lines() {
    // faq-dinky-offsetresetstrategy-cce.
    let r = p(
        "Caused by: java.lang.ClassCastException: cannot assign instance of org.apache.kafka.clients.consumer.OffsetResetStrategy to field\n    org.apache.flink.connector.kafka.source.enumerator.initializer.ReaderHandledOffsetsInitializer.offsetResetStrategy of type \n    org.apache.flink.kafka.shaded.org.apache.kafka.clients.consumer.OffsetResetStrategy in instance of \n    org.apache.flink.connector.kafka.source.enumerator.initializer.ReaderHandledOffsetsInitializer",
    );
    assert_eq!(r.throwables.len(), 1);
    let m = r.throwables[0].message.as_deref().unwrap();
    assert!(m.starts_with("cannot assign instance of"), "{m}");
    assert!(m.ends_with("ReaderHandledOffsetsInitializer"), "{m}");
}

#[test]
fn headless_frames_before_the_first_cause() {
    // blog-ispong-flink-acorn-jdbc-not-subtype: the paste starts inside a
    // message (`Table options are: ...`) and its frames; the first header
    // is a `Caused by:`.
    let r = p(
        "Table options are:\n\n'connector'='kafka'\n'topic'='ispong-input-2'\n\
        at org.apache.flink.table.factories.FactoryUtil.createTableSource(FactoryUtil.java:122)\n\
        at org.apache.calcite.tools.RelBuilder.scan(RelBuilder.java:1099)\n\
Caused by: org.apache.flink.table.api.TableException: Could not load service provider for factories.\n\
        at org.apache.flink.table.factories.FactoryUtil.discoverFactories(FactoryUtil.java:826)\n\
        ... 52 more\n\
Caused by: java.util.ServiceConfigurationError: org.apache.flink.table.factories.Factory: Provider org.apache.flink.connector.jdbc.catalog.factory.JdbcCatalogFactory not a subtype\n\
        at java.util.ServiceLoader.fail(ServiceLoader.java:239)\n",
    );
    assert_eq!(
        classes(&r),
        [
            (
                "org.apache.flink.table.api.TableException",
                Relation::Root,
                None
            ),
            (
                "java.util.ServiceConfigurationError",
                Relation::Cause,
                Some(0)
            )
        ]
    );
}

#[test]
fn braced_asynchronous_exception() {
    // blog-itinycheng-2020-01-05-hdfs-checkpoint: Flink 1.x printed
    // `AsynchronousException{cause}` after a log line.
    let r = p(
        "2020-01-02 17:18:53,337 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph        - Source: analytics_standarddata_weapp_share-druid -> XXXXXXXXXX (1/1) (c2e77749126a67db62d38bdb166b5696) switched from RUNNING to FAILED.\n\
AsynchronousException{java.lang.Exception: Could not materialize checkpoint 60 for operator Source: analytics_standarddata_weapp_share-druid -> XXXXXXXXXX (1/1).}\n\
        at org.apache.flink.streaming.runtime.tasks.StreamTask$AsyncCheckpointExceptionHandler.tryHandleCheckpointException(StreamTask.java:1153)\n\
        at java.lang.Thread.run(Thread.java:748)\n\
Caused by: java.lang.Exception: Could not materialize checkpoint 60 for operator Source: analytics_standarddata_weapp_share-druid -> XXXXXXXXXX (1/1).\n\
        at org.apache.flink.streaming.runtime.tasks.StreamTask$AsyncCheckpointRunnable.handleExecutionException(StreamTask.java:942)\n\
        ... 6 more\n",
    );
    assert_eq!(
        headers(&r)[0],
        (
            "AsynchronousException",
            Some(
                "java.lang.Exception: Could not materialize checkpoint 60 for operator Source: analytics_standarddata_weapp_share-druid -> XXXXXXXXXX (1/1)."
            )
        )
    );
    assert_eq!(r.throwables[0].frames.len(), 2);
    assert_eq!(r.throwables[1].relation, Relation::Cause);
}

#[test]
fn constructor_frame_mangled_by_html() {
    // gh-apache-flink-cdc-224: the page took `<init>` for a tag.
    let r = p("java.lang.OutOfMemoryError: Java heap space\n\
\tat com.mysql.jdbc.Buffer.(Buffer.java:62)\n\
\tat com.mysql.jdbc.MysqlIO.nextRow(MysqlIO.java:2024)\n");
    let f = &r.throwables[0].frames[0];
    assert_eq!(
        (f.class.as_str(), f.method.as_str(), f.line),
        ("com.mysql.jdbc.Buffer", "<init>", Some(62))
    );
    assert_eq!(r.throwables[0].frames.len(), 2);
}

#[test]
fn sql_client_echo_and_error_lines() {
    // gh-apache-amoro-563.
    let r = p(
        "Flink SQL> SELECT id, `name` FROM arctic.test_db.test_table/*+OPTIONS('streaming' = 'true')*/;\n\
[ERROR] Could not execute SQL statement. Reason:\n\
java.lang.ClassNotFoundException: com.netease.arctic.shaded.org.apache.flink.streaming.connectors.kafka.table.KafkaConnectorOptions",
    );
    assert_eq!(r.throwables[0].class, "java.lang.ClassNotFoundException");
}

#[test]
fn no_exception_still_refused() {
    let rules = OriginRules::default();
    // blog-isxcode-spark-yun-flink-q3: a message without its class.
    assert_eq!(
        parse(
            "The main method caused an error: please declare primary key for sink table when query contains update/delete record.",
            &rules
        ),
        Err(ParseError::NoException)
    );
    // gh-apache-hudi-9339: YARN diagnostics, no Java exception.
    assert_eq!(
        parse(
            "Container container_e07_1669378398064_0904_01_000002 marked as failed.\n Exit code:-103.\n Diagnostics: org.apache.hudi.org.openjdk.jol.vm.sa.AttachMain \n\n[2023-08-01 18:17:56.141]Container killed on request. Exit code is 143\n",
            &rules
        ),
        Err(ParseError::NoException)
    );
    // A JVM flag that merely names an error.
    assert_eq!(
        parse("java -XX:+HeapDumpOnOutOfMemoryError -Xmx1g\n", &rules),
        Err(ParseError::NoException)
    );
}

#[test]
fn no_exception_read_as_a_message_where_asked() {
    let rules = OriginRules::default();
    let yarn = "Container container_e07_1669378398064_0904_01_000002 marked as failed.\n Exit code:-103.\n\n[2023-08-01 18:17:56.141]Container killed on request. Exit code is 143\n";
    let r = parse_or_message(yarn, &rules).unwrap();
    r.validate().unwrap();
    assert_eq!(r.throwables.len(), 1);
    assert_eq!(r.throwables[0].class, "");
    assert_eq!(
        r.throwables[0].message.as_deref(),
        Some(
            "Container container_e07_1669378398064_0904_01_000002 marked as failed.\nExit code:-103.\n[2023-08-01 18:17:56.141]Container killed on request. Exit code is 143"
        )
    );
    // Raw input reads the same way, as text or as a history entry's field.
    assert_eq!(parse_input(yarn.as_bytes(), &rules).unwrap(), r);
    let entry = serde_json::json!({"stacktrace": yarn, "timestamp": 7}).to_string();
    let e = parse_input(entry.as_bytes(), &rules).unwrap();
    assert_eq!(e.throwables, r.throwables);
    assert_eq!(e.context.timestamp_ms, Some(7));
    // A real trace is parsed as one; blank or binary input is still refused.
    assert_eq!(
        parse_or_message("java.lang.Error: x\n\tat a.B.c(B.java:1)", &rules)
            .unwrap()
            .throwables[0]
            .class,
        "java.lang.Error"
    );
    assert_eq!(parse_or_message(" \n\t\n", &rules), Err(ParseError::Empty));
    assert_eq!(parse_or_message("a\0b", &rules), Err(ParseError::NotText));
    // A huge message is cut to the record's limits.
    let huge = "x".repeat(1 << 20);
    let r = parse_or_message(&huge, &rules).unwrap();
    assert!(r.truncated && r.throwables[0].message.as_ref().unwrap().len() <= 4096);
}

#[test]
fn header_inside_a_task_log_line() {
    // blog-sjf0115-restore-checkpoint-failover: Flink's `... switched from
    // RUNNING to FAILED with failure cause: <trace>`, after time-only log lines
    // and printed records.
    let r = p(
        "14:27:46,741 INFO  com.flink.example.stream.state.checkpoint.RestoreCheckpointExample [] - word: ERROR, frequency: 1\n\
WordCount{word='a', frequency=3}\n\
14:27:46,753 WARN  org.apache.flink.runtime.taskmanager.Task                    [] - Source: Custom Source -> Map (1/1)#0 (bc761fd6563887dbdd72a2f6d4edecb7) switched from RUNNING to FAILED with failure cause: java.lang.RuntimeException: custom error flag, restart application\n\
\tat com.flink.example.stream.state.checkpoint.RestoreCheckpointExample$2.map(RestoreCheckpointExample.java:67)\n\
\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)\n",
    );
    assert_eq!(
        headers(&r),
        [(
            "java.lang.RuntimeException",
            Some("custom error flag, restart application")
        )]
    );
    assert_eq!(r.throwables[0].frames.len(), 2);
    // blog-zhisheng-k8s-pod-oomkilled: only an exception inside a log line,
    // no frames anywhere: the fallback root.
    let r = p(
        "2022-05-19 17:46:40,102 WARN  akka.remote.ReliableDeliverySupervisor                       [] - Association with remote system [akka.tcp://flink@10.73.131.241:6122] has failed, address is now gated for [50] ms. Reason: [Association failed with [akka.tcp://flink@10.73.131.241:6122]] Caused by: [java.net.ConnectException: Connection refused: /10.73.131.241:6122]\n\
2022-05-19 17:46:40,261 WARN  org.apache.flink.runtime.resourcemanager.active.ActiveResourceManager [] - Worker flink-4760-1652949469041-taskmanager-1-3 is terminated. Diagnostics: Pod terminated, container termination statuses: [flink-task-manager(exitCode=137, reason=OOMKilled, message=null)], pod status: Failed(reason=null, message=null)\n",
    );
    assert_eq!(
        headers(&r),
        [(
            "java.net.ConnectException",
            Some("Connection refused: /10.73.131.241:6122]")
        )]
    );
    // gh-apache-flink-cdc-250: the SQL client's `[ERROR]` line, then the header.
    let r = p(
        "[ERROR] Could not execute SQL statement. Reason:\norg.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.",
    );
    assert_eq!(
        r.throwables[0].class,
        "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException"
    );
}

#[test]
fn thread_prefix_and_indented_ellipses() {
    // blog-sjf0115-hadoop-not-in-classpath: `Exception in thread "main"`, and
    // frames cut to `  ...` between the causes.
    let r = p(
        "Exception in thread \"main\" org.apache.flink.util.FlinkException: Failed to execute job 'StateBackendExample'.\n\
\tat org.apache.flink.streaming.api.environment.StreamExecutionEnvironment.executeAsync(StreamExecutionEnvironment.java:1918)\n\
  ...\n\
Caused by: org.apache.flink.runtime.client.JobInitializationException: Could not instantiate JobManager.\n\
  ...\n\
\tat java.lang.Thread.run(Thread.java:748)\n\
Caused by: org.apache.flink.util.FlinkRuntimeException: Failed to create checkpoint storage at checkpoint coordinator side.\n\
  ...\n\
\tat org.apache.flink.runtime.dispatcher.Dispatcher.lambda$createJobManagerRunner$5(Dispatcher.java:478)\n\
\t... 4 more\n",
    );
    assert_eq!(
        classes(&r),
        [
            ("org.apache.flink.util.FlinkException", Relation::Root, None),
            (
                "org.apache.flink.runtime.client.JobInitializationException",
                Relation::Cause,
                Some(0)
            ),
            (
                "org.apache.flink.util.FlinkRuntimeException",
                Relation::Cause,
                Some(1)
            )
        ]
    );
    assert_eq!(
        (r.throwables[2].frames.len(), r.throwables[2].frames_omitted),
        (1, 4)
    );
}

#[test]
fn message_wrapped_under_a_caption() {
    // blog-zhisheng-ask-timeout-slots: the message continues on two lines.
    let r = p(
        "Caused by: akka.pattern.AskTimeoutException: \nAsk timed out on [Actor[akka://flink/user/taskmanager_0#15608456]] after [10000 ms]. \nSender[null] sent message of type \"org.apache.flink.runtime.rpc.messages.LocalRpcInvocation\".",
    );
    assert_eq!(r.throwables.len(), 1);
    let m = r.throwables[0].message.as_deref().unwrap();
    assert!(
        m.contains("Ask timed out") && m.ends_with("LocalRpcInvocation\"."),
        "{m}"
    );
}
