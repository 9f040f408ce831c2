//! Lays a record out as the WIT contract wants it: every string in one blob,
//! referenced by spans, so that passing a record costs a handful of guest
//! allocations whatever its size.

use faultline_model::{
    FailureContext, FailureRecord, FailureType, Frame, Origin, Relation, StuckSample, ThreadState,
};

use crate::bindings::wit;

/// The string blob under construction.
struct Blob(String);

impl Blob {
    fn span(&mut self, s: &str) -> wit::Span {
        let start = to_u32(self.0.len());
        self.0.push_str(s);
        wit::Span { start, len: to_u32(s.len()) }
    }

    fn opt(&mut self, s: Option<&str>) -> wit::Span {
        self.span(s.unwrap_or(""))
    }
}

/// Records are cut to size before encoding, so this never saturates in practice.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn opt_i32(n: Option<u32>) -> i32 {
    n.and_then(|n| i32::try_from(n).ok()).unwrap_or(-1)
}

fn origin(o: Origin) -> wit::Origin {
    match o {
        Origin::Unknown => wit::Origin::Unknown,
        Origin::User => wit::Origin::User,
        Origin::Flink => wit::Origin::Flink,
        Origin::Jdk => wit::Origin::Jdk,
        Origin::Library => wit::Origin::Library,
    }
}

fn frames(blob: &mut Blob, out: &mut Vec<wit::Frame>, frames: &[Frame]) -> (u32, u32) {
    let start = to_u32(out.len());
    out.extend(frames.iter().map(|f| wit::Frame {
        declaring_class: blob.span(&f.class),
        method: blob.span(&f.method),
        file: blob.opt(f.file.as_deref()),
        line: if f.native { -2 } else { opt_i32(f.line) },
        origin: origin(f.origin),
    }));
    (start, to_u32(frames.len()))
}

fn context(blob: &mut Blob, c: &FailureContext) -> wit::Context {
    wit::Context {
        job_id: blob.opt(c.job_id.as_deref()),
        job_name: blob.opt(c.job_name.as_deref()),
        task_name: blob.opt(c.task_name.as_deref()),
        subtask_index: opt_i32(c.subtask_index),
        attempt_number: opt_i32(c.attempt_number),
        failure_type: match c.failure_type {
            FailureType::Unknown => wit::FailureType::Unknown,
            FailureType::Global => wit::FailureType::Global,
            FailureType::Task => wit::FailureType::Task,
            FailureType::TaskManager => wit::FailureType::TaskManager,
        },
        task_manager_id: blob.opt(c.task_manager_id.as_deref()),
        task_manager_host: blob.opt(c.task_manager_host.as_deref()),
        timestamp_ms: c.timestamp_ms.unwrap_or(-1),
    }
}

/// The WIT form of a (validated, size-limited) failure record, without labels.
pub(crate) fn failure(record: &FailureRecord) -> wit::FailureRecord {
    let text: usize = record
        .throwables
        .iter()
        .map(|t| {
            t.class.len()
                + t.message.as_ref().map_or(0, String::len)
                + t.frames.iter().map(|f| f.class.len() + f.method.len() + f.file.as_ref().map_or(0, String::len)).sum::<usize>()
        })
        .sum();
    let mut blob = Blob(String::with_capacity(text + 256));
    let mut all_frames = Vec::with_capacity(record.throwables.iter().map(|t| t.frames.len()).sum());
    let throwables = record
        .throwables
        .iter()
        .map(|t| {
            let (frames_start, frames_len) = frames(&mut blob, &mut all_frames, &t.frames);
            wit::Throwable {
                class_name: blob.span(&t.class),
                message: blob.opt(t.message.as_deref()),
                has_message: t.message.is_some(),
                frames_start,
                frames_len,
                frames_omitted: t.frames_omitted,
                parent: t.parent,
                relation: match t.relation {
                    Relation::Root => wit::Relation::Root,
                    Relation::Cause => wit::Relation::Cause,
                    Relation::Suppressed => wit::Relation::Suppressed,
                },
                circular: t.circular,
            }
        })
        .collect();
    let context = context(&mut blob, &record.context);
    wit::FailureRecord {
        strings: blob.0,
        throwables,
        frames: all_frames,
        context,
        labels: Vec::new(),
        truncated: record.truncated,
    }
}

/// The WIT form of a stuck sample, without labels.
pub(crate) fn stuck(sample: &StuckSample) -> wit::StuckSample {
    let mut blob = Blob(String::new());
    let mut all_frames = Vec::new();
    let mut locks = Vec::new();
    let mut threads = Vec::with_capacity(sample.threads.len());
    for (i, t) in sample.threads.iter().enumerate() {
        let (frames_start, frames_len) = frames(&mut blob, &mut all_frames, &t.frames);
        for l in &t.locks_held {
            locks.push(wit::HeldLock { thread: to_u32(i), frame_depth: l.frame_depth, lock: blob.span(&l.lock) });
        }
        threads.push(wit::ThreadSample {
            name: blob.span(&t.name),
            thread_id: t.thread_id.unwrap_or(-1),
            state: match t.state {
                ThreadState::New => wit::ThreadState::New,
                ThreadState::Runnable => wit::ThreadState::Runnable,
                ThreadState::Blocked => wit::ThreadState::Blocked,
                ThreadState::Waiting => wit::ThreadState::Waiting,
                ThreadState::TimedWaiting => wit::ThreadState::TimedWaiting,
                ThreadState::Terminated => wit::ThreadState::Terminated,
                ThreadState::Unknown => wit::ThreadState::Unknown,
            },
            task_thread: t.task_thread,
            frames_start,
            frames_len,
            waiting_on: blob.opt(t.waiting_on.as_deref()),
            lock_owner: t.lock_owner.filter(|&o| (o as usize) < sample.threads.len()),
        });
    }
    let p = &sample.progress;
    let progress = wit::Progress {
        stalled_ms: p.stalled_ms,
        records_in: p.records_in,
        records_out: p.records_out,
        backpressured_ratio: p.backpressured_ratio.unwrap_or(-1.0),
        busy_ratio: p.busy_ratio.unwrap_or(-1.0),
        last_checkpoint_age_ms: p.last_checkpoint_age_ms.unwrap_or(-1),
    };
    let context = context(&mut blob, &sample.context);
    wit::StuckSample { strings: blob.0, threads, frames: all_frames, locks, context, progress, labels: Vec::new() }
}

/// Replaces the labels part of an encoded input: the blob is cut back to
/// `base` bytes (the record's own text) and the labels appended, so one
/// encoding serves every filter of the chain.
pub(crate) fn set_labels(strings: &mut String, base: usize, out: &mut Vec<wit::LabelRef>, labels: &[(String, String)]) {
    strings.truncate(base);
    out.clear();
    let mut blob = Blob(std::mem::take(strings));
    out.extend(labels.iter().map(|(k, v)| wit::LabelRef { key: blob.span(k), value: blob.span(v) }));
    *strings = blob.0;
}
