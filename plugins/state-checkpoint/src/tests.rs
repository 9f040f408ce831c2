use faultline_filter_kit::testing::{run, shipped, want};
use faultline_sdk::Filter;

use super::{Config, StateCheckpoint};

fn sc() -> StateCheckpoint {
    shipped("state-checkpoint")
}

const STORAGE: &str = "java.io.IOException: Could not flush and close the file system output stream to s3://bucket/ckpt/chk-12/abc\n\tat org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory$FsCheckpointStateOutputStream.closeAndGetHandle(FsCheckpointStreamFactory.java:1)\n\tat org.apache.flink.streaming.runtime.tasks.AsyncCheckpointRunnable.run(AsyncCheckpointRunnable.java:1)\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: Slow Down (Status Code: 503)\n\tat com.amazonaws.http.AmazonHttpClient.execute(AmazonHttpClient.java:1)\n\t... 2 more\n";

#[test]
fn checkpoint_storage_blame_follows_configuration() {
    assert_eq!(run(&sc(), STORAGE), want("system", "checkpoint-storage"));
    let config: Config = serde_json::from_value(serde_json::json!({
        "checkpoint-storage": "user",
        "rules": [{"message": "could not flush and close", "category": "checkpoint-storage"}],
    }))
    .unwrap();
    let user = StateCheckpoint::new(config).unwrap();
    assert_eq!(run(&user, STORAGE), want("user", "checkpoint-storage"));
}

#[test]
fn rocksdb_and_timeouts() {
    let t = "java.lang.Exception: Exception while creating StreamOperatorStateContext.\nCaused by: org.apache.flink.util.FlinkException: Could not restore keyed state backend for KeyedProcessOperator_1(1/1) from any of the 1 provided restore options.\nCaused by: org.rocksdb.RocksDBException: While open a file for appending: /tmp/rocksdb/000012.log: Input/output error\n\tat org.rocksdb.RocksDB.open(Native Method)\n";
    assert_eq!(run(&sc(), t), want("system", "state-backend"));
    let t = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.\n\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator$CheckpointCanceller.run(CheckpointCoordinator.java:2216)\n";
    assert_eq!(run(&sc(), t), want("system", "checkpoint-timeout"));
    let t = "org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.\n\tat org.apache.flink.runtime.checkpoint.CheckpointFailureManager.checkFailureCounter(CheckpointFailureManager.java:98)\n";
    assert_eq!(run(&sc(), t), want("system", "checkpoint-timeout"));
}

#[test]
fn a_declined_checkpoint_with_a_reason_below_is_not_a_timeout() {
    let t = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint was declined\nCaused by: java.lang.IllegalStateException: bad\n\tat com.acme.Fn.snapshotState(Fn.java:1)\n";
    assert_eq!(run(&sc(), t), (None, None));
}

#[test]
fn storage_reasons_quoted_by_the_tolerable_failure_wrapper() {
    let wrap = |reason: &str| {
        format!(
            "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.scheduler.UpdateSchedulerNgOnInternalFailuresListener.notifyGlobalFailure(UpdateSchedulerNgOnInternalFailuresListener.java:57)\nCaused by: org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due to {reason}, view the Checkpoint History tab or the Job Manager log to find out why continuous checkpoints failed.\n\tat org.apache.flink.runtime.checkpoint.CheckpointFailureManager.checkFailureAgainstCounter(CheckpointFailureManager.java:212)\n"
        )
    };
    // local-checkpoint-dir-removed, local-checkpoint-metadata-disk-full.
    for reason in [
        "An Exception occurred while triggering the checkpoint. IO-problem detected.",
        "Failure to finalize checkpoint.",
    ] {
        assert_eq!(
            run(&sc(), &wrap(reason)),
            want("system", "checkpoint-storage")
        );
    }
    // local-checkpoint-expired.
    assert_eq!(
        run(&sc(), &wrap("Checkpoint expired before completing.")),
        want("system", "checkpoint-timeout")
    );
}

#[test]
fn storage_errors_naming_checkpoint_files() {
    let t = "org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException): No lease on /flink/ck/8246/chk-7/31af83be (inode 481873376): File does not exist.\n";
    assert_eq!(run(&sc(), t), want("system", "checkpoint-storage"));
}
