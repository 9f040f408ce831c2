//! The plugin's Java side and the native library in a real JVM, without a cluster: a
//! small Java program (in the plugin's package) turns hostile Throwables (a cause cycle,
//! a self-suppressed exception, a 10,000-deep cause chain, a throwing getMessage) into
//! records and classifies them through JNI, including with a stale handle and a broken
//! record; the Rust side validates every record.

use std::path::{Path, PathBuf};
use std::process::Command;

use faultline_model::FailureRecord;

const PROBE: &str = r#"
package dev.faultline.flink;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.core.failure.FailureEnricher;
import org.apache.flink.metrics.MetricGroup;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

public class Probe {
    static class Ctx implements FailureEnricher.Context {
        final ClassLoader loader;
        final Executor executor;
        Ctx(ClassLoader loader) { this(loader, Runnable::run); }
        Ctx(ClassLoader loader, Executor executor) { this.loader = loader; this.executor = executor; }
        public MetricGroup getMetricGroup() { return null; }
        public FailureEnricher.Context.FailureType getFailureType() { return FailureEnricher.Context.FailureType.TASK; }
        public ClassLoader getUserClassLoader() { return loader; }
        public Executor getIOExecutor() { return executor; }
        public JobInfo getJobInfo() {
            return new JobInfo() {
                public JobID getJobId() { return new JobID(1, 2); }
                public String getJobName() { return "probe \"job\"\n"; }
            };
        }
    }

    static class Weird extends RuntimeException {
        public String getMessage() { throw new IllegalStateException("no message for you"); }
    }

    public static void main(String[] args) throws Exception {
        // The user class loader: this probe's own directory, so Probe's frames are the user's.
        ClassLoader user = new URLClassLoader(new URL[] {new java.io.File(args[0]).toURI().toURL()}, null);
        Ctx ctx = new Ctx(user);

        RuntimeException a = new RuntimeException("a \u2603 \ud83d\ude00 \ud800 lone surrogate");
        IllegalStateException b = new IllegalStateException("b", a);
        a.initCause(b);
        Throwable s = new Exception("suppressed");
        b.addSuppressed(s);
        s.addSuppressed(b);
        Throwable deep = new java.net.ConnectException("Connection refused");
        for (int i = 0; i < 10000; i++) {
            deep = new RuntimeException("wrap " + i, deep);
        }
        Throwable[] cases = {b, deep, new Weird(), new IllegalStateException("bad record 42")};
        NativeChain.load(args[1]);
        long h = NativeChain.open(args[2], "{\"reload-interval-ms\": 0}");
        for (Throwable t : cases) {
            String json = FailureRecords.toJson(t, ctx, "probe");
            System.out.println("RECORD " + json);
            String[] labels = NativeChain.classify(h, json);
            System.out.println("LABELS " + String.join(",", labels));
        }
        try {
            NativeChain.classify(h + 1000, "{}");
            System.out.println("STALE no error");
        } catch (IllegalStateException e) {
            System.out.println("STALE " + e.getMessage());
        }
        try {
            NativeChain.classify(h, "{not json");
            System.out.println("BROKEN no error");
        } catch (IllegalStateException e) {
            System.out.println("BROKEN " + e.getMessage());
        }
        try {
            NativeChain.open(args[2] + "/missing", "");
            System.out.println("MISSING no error");
        } catch (IllegalStateException e) {
            System.out.println("MISSING " + e.getMessage());
        }
        NativeChain.close(h);
        System.out.println("VERSION " + NativeChain.version());

        // The enricher itself. No native library: no labels, and no exception either.
        Configuration none = new Configuration();
        none.set(JobManagerOptions.FAILURE_ENRICHERS_LIST, FaultlineFailureEnricher.class.getName());
        none.set(FaultlineFailureEnricher.NATIVE_LIBRARY, args[2] + "/missing.so");
        FaultlineFailureEnricher nolib = new FaultlineFailureEnricher(none);
        Thread.sleep(300);
        System.out.println("NOLIB " + nolib.processFailure(new RuntimeException("x"), ctx).get(5, TimeUnit.SECONDS));

        // A working one labels; behind an IO executor slower than the deadline it answers
        // no labels at the deadline.
        Configuration ok = new Configuration();
        ok.set(JobManagerOptions.FAILURE_ENRICHERS_LIST, FaultlineFailureEnricher.class.getName());
        ok.set(FaultlineFailureEnricher.NATIVE_LIBRARY, args[1]);
        ok.set(FaultlineFailureEnricher.CHAIN_DIR, args[2]);
        ok.set(FaultlineFailureEnricher.DEADLINE, Duration.ofMillis(200));
        ok.set(FaultlineFailureEnricher.RELOAD_INTERVAL, Duration.ZERO);
        FaultlineFailureEnricher enricher = new FaultlineFailureEnricher(ok);
        Map<String, String> labels = Map.of();
        for (int i = 0; i < 600 && labels.isEmpty(); i++) {
            Thread.sleep(100);
            labels = enricher.processFailure(new IllegalStateException("bad record 42"), ctx).get(5, TimeUnit.SECONDS);
        }
        System.out.println("ENRICHED " + new java.util.TreeMap<>(labels) + " keys " + enricher.getOutputKeys());
        Ctx slow = new Ctx(user, r -> new Thread(() -> {
            try { Thread.sleep(2000); } catch (InterruptedException e) { return; }
            r.run();
        }).start());
        long t0 = System.nanoTime();
        Map<String, String> late = enricher.processFailure(new IllegalStateException("x"), slow).get(10, TimeUnit.SECONDS);
        System.out.println("SLOW " + late + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }
}
"#;

/// The native library cargo built beside this test (a dev-dependency), or `None`.
fn native_lib() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let name = faultline_flink_plugin::native_lib_name();
    [dir.join(&name), dir.join("..").join(&name)]
        .into_iter()
        .find(|p| p.is_file())
}

fn javac(flink_lib: &Path, out: &Path, sources: &[PathBuf]) {
    let status = Command::new("javac")
        .args(["--release", "11", "-nowarn", "-d"])
        .arg(out)
        .arg("-cp")
        .arg(format!("{}/*", flink_lib.display()))
        .args(sources)
        .status()
        .expect("javac");
    assert!(status.success(), "javac failed");
}

#[test]
fn hostile_throwables_become_valid_records_and_labels_through_jni() {
    let flink = faultline_flink_harness::flink_dist()
        .expect("flink")
        .lib_dir();
    let lib = native_lib().expect("libfaultline_jni built as a dev-dependency");
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    let classes = work.path().join("classes");
    std::fs::create_dir_all(&classes).unwrap();
    let mut files = Vec::new();
    for (path, text) in faultline_flink_plugin::JAVA_SOURCES
        .iter()
        .chain([("dev/faultline/flink/Probe.java", PROBE)].iter())
    {
        let file = src.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    javac(&flink, &classes, &files);
    let chain = work.path().join("chain");
    faultline_builtin::export(&chain).unwrap();

    let out = Command::new("java")
        .arg("-Xcheck:jni")
        .arg("-cp")
        .arg(format!("{}:{}/*", classes.display(), flink.display()))
        .arg("dev.faultline.flink.Probe")
        .arg(&classes)
        .arg(&lib)
        .arg(&chain)
        .env(
            "FAULTLINE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache"),
        )
        .output()
        .expect("java");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Wasmtime must leave the JVM's signal handlers alone.
    assert!(!stderr.contains("handler modified"), "{stderr}");

    let records: Vec<FailureRecord> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RECORD "))
        .map(|j| FailureRecord::from_json(j).unwrap_or_else(|e| panic!("{e}: {j}")))
        .collect();
    let labels: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("LABELS "))
        .collect();
    assert_eq!(records.len(), 4, "{stdout}");
    assert_eq!(labels.len(), 4, "{stdout}");

    // The cycle b → a → b ends in a circular marker; b suppresses s, which suppresses b.
    let cyclic = &records[0];
    assert_eq!(cyclic.context.job_name.as_deref(), Some("probe \"job\"\n"));
    assert!(cyclic.throwables.iter().any(|t| t.circular));
    assert_eq!(
        cyclic.throwables[1].message.as_deref(),
        Some("a \u{2603} \u{1f600} \u{fffd} lone surrogate"),
        "pairs survive, a lone surrogate becomes U+FFFD"
    );
    assert!(
        cyclic
            .throwables
            .iter()
            .any(|t| t.message.as_deref() == Some("suppressed"))
    );
    // The Probe's frames are the user's: its class file lies in the user loader's directory.
    let frame = &cyclic.throwables[0].frames[0];
    assert_eq!(frame.class, "dev.faultline.flink.Probe");
    assert_eq!(frame.origin, faultline_model::Origin::User);

    // A deep chain keeps its head and its root cause.
    let deep = &records[1];
    assert!(
        deep.truncated && deep.throwables.len() <= 128,
        "{}",
        deep.throwables.len()
    );
    assert_eq!(
        deep.root_cause().unwrap().class,
        "java.net.ConnectException"
    );
    assert!(labels[1].contains("connection-refused"), "{}", labels[1]);

    // getMessage throwing loses the message, not the record.
    assert!(records[2].throwables[0].message.is_none());
    assert!(labels[3].contains("blame,user"), "{}", labels[3]);
    assert!(labels.iter().all(|l| l.contains("chain-version,")));

    let line = |p: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("STALE ").contains("no open chain"), "{stdout}");
    assert!(
        line("BROKEN ").contains("invalid failure record"),
        "{stdout}"
    );
    assert!(line("MISSING ").contains("cannot load chain"), "{stdout}");
    assert_eq!(line("VERSION "), env!("CARGO_PKG_VERSION"));

    assert_eq!(line("NOLIB "), "{}", "{stdout}");
    let enriched = line("ENRICHED ");
    assert!(
        enriched.starts_with("{blame=user, category=user-code, chain-version=")
            && enriched.ends_with("keys [blame, category, chain-version]"),
        "{stdout}"
    );
    let slow = line("SLOW ");
    let (labels, after) = slow.split_once(" after ").expect("SLOW line");
    assert_eq!(labels, "{}", "{stdout}");
    let ms: u64 = after.trim_end_matches(" ms").parse().expect("ms");
    assert!(
        (200..1500).contains(&ms),
        "answered after {ms} ms, deadline 200 ms"
    );
}
