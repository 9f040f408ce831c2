//! Paths of real WebAssembly filters built from `tests/filters` for tests:
//! `LOOP` never returns, `HOG` allocates without bound, `TRAP` panics,
//! `FLOOD` answers with 10 MB of labels; `FIXED`, `ECHO` and `RULE` behave.

include!(concat!(env!("OUT_DIR"), "/filters.rs"));

use faultline_model::{FailureContext, FailureRecord, Frame, Origin, Relation, Throwable};

/// A frame with a file and line.
pub fn frame(class: &str, method: &str, line: u32, origin: Origin) -> Frame {
    Frame {
        class: class.into(),
        method: method.into(),
        file: Some("F.java".into()),
        line: Some(line),
        native: false,
        origin,
    }
}

/// A 50-frame, 3-cause record shaped like a Flink task failure.
pub fn sample_record() -> FailureRecord {
    let flink = |i: u32| {
        frame(
            "org.apache.flink.streaming.runtime.tasks.StreamTask",
            "invoke",
            i,
            Origin::Flink,
        )
    };
    let mut top: Vec<Frame> = (0..20).map(flink).collect();
    top.insert(
        0,
        frame(
            "org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler",
            "handle",
            1,
            Origin::Flink,
        ),
    );
    let mid: Vec<Frame> = (0..15).map(flink).collect();
    let mut user: Vec<Frame> = vec![frame("com.acme.jobs.Enrich", "map", 42, Origin::User)];
    user.extend((0..13).map(flink));
    let throwable = |class: &str, msg: &str, frames: Vec<Frame>, parent: Option<u32>| Throwable {
        class: class.into(),
        message: Some(msg.into()),
        frames,
        parent,
        relation: if parent.is_some() {
            Relation::Cause
        } else {
            Relation::Root
        },
        ..Default::default()
    };
    FailureRecord {
        context: FailureContext {
            job_name: Some("enrich".into()),
            subtask_index: Some(3),
            ..Default::default()
        },
        throwables: vec![
            throwable(
                "org.apache.flink.runtime.JobException",
                "Recovery is suppressed",
                top,
                None,
            ),
            throwable(
                "org.apache.flink.util.FlinkRuntimeException",
                "wrapped",
                mid,
                Some(0),
            ),
            throwable(
                "java.lang.IllegalStateException",
                "bad record 42",
                user,
                Some(1),
            ),
        ],
        truncated: false,
    }
}
