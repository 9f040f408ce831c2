//! Real traces printed by a JVM (tests/java/TraceFixtures.java, Java 17).

use faultline_model::{FailureRecord, Origin, Relation};
use faultline_stacktrace::{OriginRules, parse, parse_input};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/jvm/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rules() -> OriginRules {
    let mut rules = OriginRules::default();
    rules.add_user_class("TraceFixtures");
    rules
}

fn load(name: &str) -> FailureRecord {
    let text = fixture(name);
    let record = parse(&text, &rules()).unwrap_or_else(|e| panic!("{name}: {e}"));
    record.validate().unwrap();
    // Bytes go the same way.
    assert_eq!(
        parse_input(text.as_bytes(), &rules()).unwrap(),
        record,
        "{name}"
    );
    record
}

/// (relation, parent, class, message, frame count, frames omitted, circular)
type Shape<'a> = (
    Relation,
    Option<u32>,
    &'a str,
    Option<&'a str>,
    usize,
    u32,
    bool,
);

fn assert_shape(record: &FailureRecord, expected: &[Shape<'_>]) {
    let actual: Vec<Shape<'_>> = record
        .throwables
        .iter()
        .map(|t| {
            (
                t.relation,
                t.parent,
                t.class.as_str(),
                t.message.as_deref(),
                t.frames.len(),
                t.frames_omitted,
                t.circular,
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

/// The eight frames of the `java File.java` source launcher under `main`.
fn assert_launcher_tail(record: &FailureRecord) {
    let frames = &record.throwables[0].frames;
    let tail: Vec<(&str, &str)> = frames[frames.len() - 7..]
        .iter()
        .map(|f| (f.class.as_str(), f.method.as_str()))
        .collect();
    assert_eq!(
        tail,
        [
            ("jdk.internal.reflect.NativeMethodAccessorImpl", "invoke0"),
            ("jdk.internal.reflect.NativeMethodAccessorImpl", "invoke"),
            (
                "jdk.internal.reflect.DelegatingMethodAccessorImpl",
                "invoke"
            ),
            ("java.lang.reflect.Method", "invoke"),
            ("com.sun.tools.javac.launcher.Main", "execute"),
            ("com.sun.tools.javac.launcher.Main", "run"),
            ("com.sun.tools.javac.launcher.Main", "main"),
        ]
    );
    let native = &frames[frames.len() - 7];
    assert!(native.native && native.file.is_none() && native.line.is_none());
    assert!(
        frames[frames.len() - 7..]
            .iter()
            .all(|f| f.origin == Origin::Jdk)
    );
}

#[test]
fn simple() {
    let r = load("simple.txt");
    assert_shape(
        &r,
        &[(
            Relation::Root,
            None,
            "java.lang.NumberFormatException",
            Some("For input string: \"not-a-number\""),
            16,
            0,
            false,
        )],
    );
    let f = &r.throwables[0].frames;
    assert_eq!(f[0].class, "java.lang.NumberFormatException");
    assert_eq!(f[0].method, "forInputString");
    assert_eq!(
        (f[0].file.as_deref(), f[0].line),
        (Some("NumberFormatException.java"), Some(67))
    );
    assert_eq!(f[0].origin, Origin::Jdk);
    assert_eq!(
        (f[3].class.as_str(), f[3].method.as_str(), f[3].line),
        ("TraceFixtures", "parseRecord", Some(70))
    );
    assert_eq!(f[3].origin, Origin::User);
    // The lambda's hidden class, printed with -XX:+ShowHiddenFrames.
    assert!(
        f[5].class.starts_with("TraceFixtures$$Lambda$") && f[5].class.contains("/0x"),
        "{}",
        f[5].class
    );
    assert_eq!(
        (f[5].method.as_str(), f[5].file.as_deref(), f[5].line),
        ("run", None, None)
    );
    assert_eq!(f[5].origin, Origin::User);
    assert_launcher_tail(&r);
}

#[test]
fn nested_causes() {
    let r = load("nested_causes.txt");
    assert_shape(
        &r,
        &[
            (
                Relation::Root,
                None,
                "java.lang.RuntimeException",
                Some("job failed"),
                12,
                0,
                false,
            ),
            (
                Relation::Cause,
                Some(0),
                "TraceFixtures$JobException",
                Some("restore failed"),
                2,
                11,
                false,
            ),
            (
                Relation::Cause,
                Some(1),
                "java.io.IOException",
                Some("checkpoint file missing: /ckpt/chk-42/_metadata"),
                2,
                12,
                false,
            ),
        ],
    );
    assert_eq!(r.cause_chain(), vec![0, 1, 2]);
    assert_eq!(
        r.root_cause().map(|t| t.class.as_str()),
        Some("java.io.IOException")
    );
    let f = &r.throwables[2].frames;
    assert_eq!((f[0].method.as_str(), f[0].line), ("loadState", Some(78)));
    assert_eq!((f[1].method.as_str(), f[1].line), ("restore", Some(83)));
    assert_launcher_tail(&r);
}

#[test]
fn null_message() {
    let r = load("null_message.txt");
    assert_shape(
        &r,
        &[
            (
                Relation::Root,
                None,
                "java.lang.IllegalStateException",
                Some("java.lang.RuntimeException"),
                12,
                0,
                false,
            ),
            (
                Relation::Cause,
                Some(0),
                "java.lang.RuntimeException",
                None,
                1,
                11,
                false,
            ),
        ],
    );
}

#[test]
fn multiline_message() {
    let r = load("multiline_message.txt");
    assert_shape(
        &r,
        &[
            (
                Relation::Root,
                None,
                "java.lang.IllegalArgumentException",
                Some("bad config:\n  key: parallelism\n  value: -1\ntrailing: line"),
                12,
                0,
                false,
            ),
            (
                Relation::Cause,
                Some(0),
                "java.lang.NullPointerException",
                None,
                0,
                12,
                false,
            ),
        ],
    );
}

fn suppressed_shape() -> Vec<Shape<'static>> {
    vec![
        (
            Relation::Root,
            None,
            "java.lang.RuntimeException",
            Some("task failed"),
            12,
            0,
            false,
        ),
        (
            Relation::Cause,
            Some(0),
            "java.io.IOException",
            Some("write failed"),
            2,
            11,
            false,
        ),
        (
            Relation::Suppressed,
            Some(1),
            "java.io.IOException",
            Some("close b"),
            2,
            12,
            false,
        ),
        (
            Relation::Cause,
            Some(2),
            "java.lang.IllegalStateException",
            Some("socket already closed"),
            0,
            14,
            false,
        ),
        (
            Relation::Suppressed,
            Some(1),
            "java.io.IOException",
            Some("close a"),
            2,
            12,
            false,
        ),
        (
            Relation::Suppressed,
            Some(1),
            "java.io.UncheckedIOException",
            Some("cleanup"),
            1,
            11,
            false,
        ),
        (
            Relation::Cause,
            Some(5),
            "java.io.IOException",
            Some("disk gone"),
            0,
            12,
            false,
        ),
        (
            Relation::Cause,
            Some(1),
            "java.lang.IllegalStateException",
            Some("buffer full"),
            0,
            13,
            false,
        ),
    ]
}

#[test]
fn suppressed() {
    let r = load("suppressed.txt");
    assert_shape(&r, &suppressed_shape());
    assert_eq!(r.cause_chain(), vec![0, 1, 7]);
    assert_eq!(
        r.root_cause().map(|t| t.message.as_deref()),
        Some(Some("buffer full"))
    );
    let close = &r.throwables[2].frames[0];
    assert_eq!(
        (close.class.as_str(), close.method.as_str(), close.line),
        ("TraceFixtures$Resource", "close", Some(44))
    );
    assert_eq!(
        close.origin,
        Origin::User,
        "a nested class of a user class is user code"
    );
}

#[test]
fn kubectl_timestamps_and_crlf() {
    let text = fixture("kubectl_timestamps.txt");
    assert!(text.contains("\r\n") && text.starts_with("2024-05-01T10:00:00.123456789Z "));
    let r = load("kubectl_timestamps.txt");
    assert_shape(&r, &suppressed_shape());
    assert_eq!(mask_main(r), mask_main(load("suppressed.txt")));
}

#[test]
fn circular() {
    let r = load("circular.txt");
    assert_shape(
        &r,
        &[
            (
                Relation::Root,
                None,
                "java.lang.Exception",
                Some("outer"),
                9,
                0,
                false,
            ),
            (
                Relation::Suppressed,
                Some(0),
                "java.lang.Exception",
                Some("suppressed loop"),
                1,
                8,
                false,
            ),
            (
                Relation::Cause,
                Some(1),
                "java.lang.Exception",
                Some("outer"),
                0,
                0,
                true,
            ),
            (
                Relation::Cause,
                Some(0),
                "java.lang.Exception",
                Some("middle"),
                1,
                8,
                false,
            ),
            (
                Relation::Cause,
                Some(3),
                "java.lang.Exception",
                Some("inner"),
                1,
                8,
                false,
            ),
            (
                Relation::Cause,
                Some(4),
                "java.lang.Exception",
                Some("middle"),
                0,
                0,
                true,
            ),
        ],
    );
    assert_eq!(r.cause_chain(), vec![0, 3, 4, 5]);
    // The circular repeat is skipped: the root cause is the deepest real one.
    assert_eq!(
        r.root_cause().and_then(|t| t.message.as_deref()),
        Some("inner")
    );
}

#[test]
fn lambda_hidden_frames() {
    let r = load("lambda_hidden.txt");
    assert_shape(
        &r,
        &[(
            Relation::Root,
            None,
            "java.lang.ArithmeticException",
            Some("/ by zero"),
            23,
            0,
            false,
        )],
    );
    let f = &r.throwables[0].frames;
    assert_eq!(
        (f[0].class.as_str(), f[0].method.as_str(), f[0].line),
        ("TraceFixtures", "lambda$lambdaHidden$5", Some(146))
    );
    assert!(f[1].class.starts_with("TraceFixtures$$Lambda$") && f[1].class.contains("/0x"));
    assert_eq!(f[1].method, "apply");
    assert_eq!(f[2].class, "java.util.stream.ReferencePipeline$3$1");
    assert_eq!(f[2].method, "accept");
    let lambdas = f.iter().filter(|f| f.class.contains("$$Lambda$")).count();
    assert_eq!(lambdas, 3);
    assert!(
        f.iter()
            .filter(|f| f.class.starts_with("TraceFixtures"))
            .all(|f| f.origin == Origin::User)
    );
    assert!(
        f.iter()
            .filter(|f| f.class.starts_with("java."))
            .all(|f| f.origin == Origin::Jdk)
    );
}

#[test]
fn inner_classes() {
    let r = load("inner_classes.txt");
    let t = &r.throwables[0];
    assert_eq!(t.class, "java.lang.ClassCastException");
    assert!(
        t.message
            .as_deref()
            .is_some_and(|m| m.ends_with("of loader 'bootstrap')"))
    );
    assert_eq!(
        (t.frames[0].class.as_str(), t.frames[0].method.as_str()),
        ("TraceFixtures$1", "run")
    );
    assert_eq!(t.frames[0].origin, Origin::User);
    // Without user rules the default-package class is unknown.
    let r = parse(&fixture("inner_classes.txt"), &OriginRules::default()).unwrap();
    assert_eq!(r.throwables[0].frames[0].origin, Origin::Unknown);
}

#[test]
fn stack_overflow_is_cut_to_limits() {
    let text = fixture("stack_overflow.txt");
    let printed = text
        .lines()
        .filter(|l| l.trim_start().starts_with("at "))
        .count();
    assert_eq!(
        printed, 1024,
        "the JVM prints at most MaxJavaStackTraceDepth frames"
    );
    let r = load("stack_overflow.txt");
    let t = &r.throwables[0];
    assert_eq!(
        (t.class.as_str(), t.message.as_deref()),
        ("java.lang.StackOverflowError", None)
    );
    assert!(r.truncated);
    assert_eq!(t.frames.len(), 256);
    assert_eq!(t.frames_omitted, 1024 - 256);
    assert!(
        t.frames
            .iter()
            .all(|f| f.method == "recurse" && f.line == Some(164))
    );
}

#[test]
fn uncaught_in_thread() {
    let r = load("uncaught_thread.txt");
    assert_shape(
        &r,
        &[(
            Relation::Root,
            None,
            "java.lang.IllegalStateException",
            Some("worker died: state=FAILED"),
            3,
            0,
            false,
        )],
    );
    let last = &r.throwables[0].frames[2];
    assert_eq!(
        (last.class.as_str(), last.method.as_str(), last.line),
        ("java.lang.Thread", "run", Some(840))
    );
}

/// The two captures of a scenario differ only in the calling line in `main`.
fn mask_main(mut r: FailureRecord) -> FailureRecord {
    for t in &mut r.throwables {
        for f in &mut t.frames {
            if f.method == "main" && f.class == "TraceFixtures" {
                f.line = None;
            }
        }
    }
    r
}

#[test]
fn logged_first_trace_wins() {
    // Leading log lines are skipped; the trace ends at the next log line.
    assert_eq!(
        mask_main(load("logged.txt")),
        mask_main(load("nested_causes.txt"))
    );
}
