use super::*;
use faultline_filter_kit::testing::{decision, shipped, stuck_dump, want};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../crates/stacktrace/tests/data/threads/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn judge(dump: &str) -> (Option<String>, Option<String>, String) {
    let filter: StuckFilter = shipped("stuck");
    let input = stuck_dump(dump, &[], &[]);
    let v = filter.classify_stuck(&Stuck::new(&input));
    let (b, c) = decision(&v);
    (b, c, v.reason_text().to_owned())
}

fn blame(dump: &str) -> (Option<String>, Option<String>) {
    let (b, c, _) = judge(dump);
    (b, c)
}

#[test]
fn real_jvm_dumps_of_the_five_stalls() {
    for kind in ["jstack", "rest"] {
        let ext = if kind == "jstack" { "txt" } else { "json" };
        let f = |s: &str| fixture(&format!("{kind}_{s}.{ext}"));
        let (b, c, reason) = judge(&f("deadlock"));
        assert_eq!((b, c), want("user", "deadlock"), "{kind}");
        for needle in [
            "'Map -> Filter (1/2)#0'",
            "'inventory-refresher'",
            "java.lang.Object@",
        ] {
            assert!(reason.contains(needle), "{kind}: {reason}");
        }
        let (b, c, reason) = judge(&f("sleep"));
        assert_eq!((b, c), want("user", "user-blocked"), "{kind}");
        assert!(
            reason.contains("sleeps in user code com.acme.jobs.StuckFixtures.retryWithSleep"),
            "{reason}"
        );
        assert_eq!(
            blame(&f("socket")),
            want("dependency", "dependency-blocked"),
            "{kind}"
        );
        assert_eq!(blame(&f("future")), want("user", "user-blocked"), "{kind}");
        let (b, c, reason) = judge(&f("spin"));
        assert_eq!((b, c), want("user", "user-spin"), "{kind}");
        assert!(
            reason.contains("com.acme.jobs.StuckFixtures.spin"),
            "{reason}"
        );
    }
}

/// A Flink 1.17 task thread (hand-written from Flink's sources, jstack's shape).
fn task(state: &str, frames: &[&str]) -> String {
    let mut s = format!(
        "\"Map -> Sink: out (2/4)#0\" #91 prio=5 os_prio=0 cpu=1.2ms elapsed=300s tid=0x1 nid=0x2 waiting on condition  [0x3]\n   java.lang.Thread.State: {state}\n"
    );
    for f in frames {
        s.push_str(&format!("\tat {f}\n"));
    }
    for f in [
        "org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop(MailboxProcessor.java:231)",
        "org.apache.flink.streaming.runtime.tasks.StreamTask.runMailboxLoop(StreamTask.java:839)",
        "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:788)",
        "org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:952)",
        "org.apache.flink.runtime.taskmanager.Task.run(Task.java:568)",
        "java.lang.Thread.run(java.base@11.0.20/Thread.java:829)",
    ] {
        s.push_str(&format!("\tat {f}\n"));
    }
    s.push('\n');
    s
}

const PARK: [&str; 3] = [
    "jdk.internal.misc.Unsafe.park(java.base@11.0.20/Native Method)",
    "java.util.concurrent.locks.LockSupport.park(java.base@11.0.20/LockSupport.java:194)",
    "java.util.concurrent.CompletableFuture$Signaller.block(java.base@11.0.20/CompletableFuture.java:1796)",
];

#[test]
fn waiting_for_network_buffers_is_backpressure_with_unknown_blame() {
    let mut frames = PARK.to_vec();
    frames.extend([
        "java.util.concurrent.CompletableFuture.get(java.base@11.0.20/CompletableFuture.java:1999)",
        "org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestMemorySegmentBlocking(LocalBufferPool.java:384)",
        "org.apache.flink.runtime.io.network.buffer.LocalBufferPool.requestBufferBuilderBlocking(LocalBufferPool.java:356)",
        "org.apache.flink.runtime.io.network.api.writer.RecordWriter.emit(RecordWriter.java:105)",
        "org.apache.flink.streaming.runtime.io.RecordWriterOutput.collect(RecordWriterOutput.java:56)",
        "com.acme.Enrich.flatMap(Enrich.java:40)",
        "org.apache.flink.streaming.api.operators.StreamFlatMap.processElement(StreamFlatMap.java:47)",
    ]);
    let (b, c, reason) = judge(&task("WAITING (parking)", &frames));
    assert_eq!((b, c), want("unknown", "backpressure"));
    assert!(
        reason.contains("no downstream culprit is known"),
        "{reason}"
    );
}

#[test]
fn external_clients_are_the_dependency() {
    let jdbc = [
        "java.net.SocketInputStream.socketRead0(java.base@11.0.20/Native Method)",
        "java.net.SocketInputStream.read(java.base@11.0.20/SocketInputStream.java:168)",
        "com.mysql.cj.protocol.ReadAheadInputStream.fill(ReadAheadInputStream.java:107)",
        "com.mysql.cj.jdbc.ClientPreparedStatement.executeQuery(ClientPreparedStatement.java:1003)",
        "com.acme.Lookup.map(Lookup.java:22)",
        "org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)",
    ];
    assert_eq!(
        blame(&task("RUNNABLE", &jdbc)),
        want("dependency", "dependency-blocked")
    );
    let kafka = [
        "org.apache.kafka.clients.producer.internals.ProduceRequestResult.await(ProduceRequestResult.java:86)",
        "org.apache.kafka.clients.producer.KafkaProducer.flush(KafkaProducer.java:1182)",
        "org.apache.flink.connector.kafka.sink.KafkaWriter.flush(KafkaWriter.java:200)",
    ];
    let mut frames = PARK.to_vec();
    frames.extend(kafka);
    assert_eq!(
        blame(&task("WAITING (parking)", &frames)),
        want("dependency", "dependency-blocked")
    );
}

#[test]
fn flink_internals_are_system_and_an_idle_mailbox_is_no_stall() {
    let checkpoint = [
        "java.lang.Object.wait(java.base@11.0.20/Native Method)",
        "org.apache.flink.runtime.state.AsyncSnapshotCallable.call(AsyncSnapshotCallable.java:80)",
        "org.apache.flink.streaming.runtime.tasks.SubtaskCheckpointCoordinatorImpl.checkpointState(SubtaskCheckpointCoordinatorImpl.java:330)",
    ];
    let (b, c, reason) = judge(&task("WAITING (on object monitor)", &checkpoint));
    assert_eq!((b, c), want("system", "system-blocked"));
    assert!(reason.contains("AsyncSnapshotCallable.call"), "{reason}");
    let mut idle = PARK.to_vec();
    idle.push("org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take(TaskMailboxImpl.java:149)");
    assert_eq!(blame(&task("WAITING (parking)", &idle)), (None, None));
}

#[test]
fn a_lock_cycle_of_flink_threads_alone_is_system() {
    let dump = "\"a (1/1)#0\" #1 prio=5 tid=0x1 nid=0x1 waiting for monitor entry\n   java.lang.Thread.State: BLOCKED (on object monitor)\n\
\tat org.apache.flink.runtime.io.network.partition.X.f(X.java:1)\n\t- waiting to lock <0x2> (a java.lang.Object)\n\t- locked <0x1> (a java.lang.Object)\n\n\
\"b\" #2 prio=5 tid=0x1 nid=0x1 waiting for monitor entry\n   java.lang.Thread.State: BLOCKED (on object monitor)\n\
\tat org.apache.flink.runtime.io.network.partition.Y.g(Y.java:1)\n\t- waiting to lock <0x1> (a java.lang.Object)\n\t- locked <0x2> (a java.lang.Object)\n";
    assert_eq!(blame(dump), want("system", "deadlock"));
}

#[test]
fn failures_get_no_opinion() {
    let filter: StuckFilter = shipped("stuck");
    let rec = faultline_filter_kit::testing::record(
        "java.lang.IllegalStateException: x\n\tat com.acme.A.f(A.java:1)\n",
    );
    assert!(filter.classify(&Failure::new(&rec)).is_empty());
}
