use faultline_filter_kit::testing::{run, shipped, want};

use super::KnownTypes as Resource;

fn rs() -> Resource {
    shipped("resource")
}

#[test]
fn real_heap_oom_in_a_user_frame_is_resource() {
    let trace = std::fs::read_to_string(format!(
        "{}/../../crates/stacktrace/tests/data/flink/heap-oom.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("capture");
    assert_eq!(run(&rs(), &trace), want("resource", "oom-heap"));
}

#[test]
fn kinds_of_out_of_memory() {
    for (message, category) in [
        ("Java heap space", "oom-heap"),
        ("GC overhead limit exceeded", "oom-heap"),
        (
            "Direct buffer memory. The direct out-of-memory error has occurred.",
            "oom-direct",
        ),
        (
            "Metaspace. The metaspace out-of-memory error has occurred.",
            "oom-metaspace",
        ),
        (
            "unable to create native thread: possibly out of memory or process/resource limits reached",
            "oom",
        ),
    ] {
        let t = format!(
            "java.lang.OutOfMemoryError: {message}\n\tat java.nio.Bits.reserveMemory(Bits.java:175)\n"
        );
        assert_eq!(run(&rs(), &t), want("resource", category), "{message}");
    }
}

#[test]
fn containers_files_and_disks() {
    let t = "org.apache.flink.util.FlinkException: Worker container_1_0001 is terminated. Diagnostics: Container [pid=1,containerID=container_1_0001] is running beyond physical memory limits. Current usage: 4.0 GB of 4 GB physical memory used; killing container.\n\tat org.apache.flink.yarn.YarnResourceManagerDriver.onContainersCompleted(YarnResourceManagerDriver.java:290)\n";
    assert_eq!(run(&rs(), t), want("resource", "container-killed"));
    let t = "java.lang.Exception: Pod taskmanager-1-1 terminated: reason OOMKilled, exit code 137\n\tat org.apache.flink.kubernetes.KubernetesResourceManagerDriver.onPodTerminated(KubernetesResourceManagerDriver.java:400)\n";
    assert_eq!(run(&rs(), t), want("resource", "container-killed"));
    let t = "java.io.IOException: Too many open files\n\tat sun.nio.ch.IOUtil.makePipe(Native Method)\n";
    assert_eq!(run(&rs(), t), want("resource", "too-many-open-files"));
    let t = "java.io.IOException: No space left on device\n\tat java.io.FileOutputStream.writeBytes(Native Method)\n";
    assert_eq!(run(&rs(), t), want("resource", "disk-full"));
}

#[test]
fn other_failures_are_not_resources() {
    let t = "java.lang.IllegalStateException: bad record 42\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&rs(), t), (None, None));
}

#[test]
fn hdfs_space_quota_and_enomem() {
    // HDFS reports a space quota as RemoteException(DSQuotaExceededException), the class only in the text.
    let t = "org.apache.flink.util.FlinkRuntimeException: org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.hdfs.protocol.DSQuotaExceededException): The DiskSpace quota of /user/flink is exceeded: quota = 1073741824 B = 1 GB but diskspace consumed = 1073899520 B = 1.00 GB\n\tat org.apache.hadoop.ipc.Client.call(Client.java:1476)\n";
    assert_eq!(run(&rs(), t), want("resource", "disk-full"));
    let t = "java.io.IOException: Cannot run program \"bash\": error=12, Cannot allocate memory\n\tat java.lang.ProcessBuilder.start(ProcessBuilder.java:1048)\n";
    assert_eq!(run(&rs(), t), want("resource", "oom"));
}

#[test]
fn a_database_out_of_disk_is_the_databases() {
    let t = "java.sql.BatchUpdateException: Batch entry 0 INSERT INTO order_events VALUES (1, 'x') was aborted: ERROR: could not extend file \"pg_tblspc/16390/PG_15_202209061/16384/16391\": No space left on device\n\tat org.postgresql.jdbc.BatchResultHandler.handleError(BatchResultHandler.java:165)\n";
    assert_eq!(run(&rs(), t), want("dependency", "jdbc"));
    // The job's own disk stays a resource.
    let t = "java.io.IOException: No space left on device\n\tat java.io.FileOutputStream.writeBytes(Native Method)\n";
    assert_eq!(run(&rs(), t), want("resource", "disk-full"));
}

#[test]
fn a_pod_evicted_for_memory_pressure() {
    let t = "java.lang.Exception: The node was low on resource: memory. Container flink-main-container was using 4Gi, which exceeds its request of 2Gi.\n";
    assert_eq!(run(&rs(), t), want("resource", "container-killed"));
}

#[test]
fn heap_exhaustion_reworded_by_a_driver() {
    let t = "java.sql.SQLException: Java heap space\n\tat com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:129)\n";
    assert_eq!(run(&rs(), t), want("resource", "oom-heap"));
}

#[test]
fn python_memory_error_is_out_of_memory_wherever_it_lands() {
    let t = "java.lang.RuntimeException: Error received from SDK harness for instruction 2: Traceback (most recent call last):\n  File \"/tmp/python-dist-1/python-files/udfs.py\", line 9, in eval\n    buf = bytearray(n)\nMemoryError\n\n\tat org.apache.beam.runners.fnexecution.control.FnApiControlClient$ResponseStreamObserver.onNext(FnApiControlClient.java:180)\n";
    assert_eq!(run(&rs(), t), want("resource", "oom"));
    // A word that merely contains it is not one.
    let t = "java.lang.IllegalStateException: NoMemoryErrorHandler configured\n\tat com.acme.Job.map(Job.java:1)\n";
    assert_eq!(run(&rs(), t), (None, None));
}
