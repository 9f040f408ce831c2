//! Lays a record out as the WIT contract wants it: every string in one blob
//! and every row in a packed `u32` table (layout in `faultline-abi`), so that
//! passing a record to a filter is a few memcpys whatever its size.

use faultline_abi::{self as abi, NONE};
use faultline_model::{
    FailureContext, FailureRecord, FailureType, Frame, Origin, Relation, StuckSample, ThreadState,
};

use crate::bindings::wit;

/// The string blob under construction.
struct Blob(String);

impl Blob {
    fn span(&mut self, s: &str) -> (u32, u32) {
        let start = to_u32(self.0.len());
        self.0.push_str(s);
        (start, to_u32(s.len()))
    }

    fn opt(&mut self, s: Option<&str>) -> (u32, u32) {
        self.span(s.unwrap_or(""))
    }

    fn wit_span(&mut self, s: Option<&str>) -> wit::Span {
        let (start, len) = self.opt(s);
        wit::Span { start, len }
    }
}

/// Records are cut to size before encoding, so this never saturates in practice.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn opt_i32(n: Option<u32>) -> i32 {
    n.and_then(|n| i32::try_from(n).ok()).unwrap_or(-1)
}

/// Writes a span into words `at` and `at + 1` of `row`.
fn put(row: &mut [u32], at: usize, (start, len): (u32, u32)) {
    row[at] = start;
    row[at + 1] = len;
}

fn origin(o: Origin) -> u32 {
    match o {
        Origin::Unknown => 0,
        Origin::User => 1,
        Origin::Flink => 2,
        Origin::Jdk => 3,
        Origin::Library => 4,
    }
}

/// Writes `frames` as consecutive rows of `out` starting at row `*next`;
/// returns (first row, number of rows).
fn frames(blob: &mut Blob, out: &mut [u32], next: &mut usize, frames: &[Frame]) -> (u32, u32) {
    use abi::frame::*;
    let first = *next;
    for (f, row) in frames
        .iter()
        .zip(out[first * STRIDE..].chunks_exact_mut(STRIDE))
    {
        put(row, CLASS, blob.span(&f.class));
        put(row, METHOD, blob.span(&f.method));
        put(row, FILE, blob.opt(f.file.as_deref()));
        row[LINE] = (if f.native {
            LINE_NATIVE
        } else {
            opt_i32(f.line)
        }) as u32;
        row[ORIGIN] = origin(f.origin);
    }
    *next += frames.len();
    (to_u32(first), to_u32(frames.len()))
}

/// A zeroed `tables` list: the header of `counts`, then room for each table's rows.
fn tables<const N: usize>(counts: [usize; N], strides: [usize; N]) -> Vec<u32> {
    let words: usize = counts.iter().zip(strides).map(|(c, s)| c * s).sum();
    let mut tables = vec![0u32; N + words];
    for (h, c) in tables.iter_mut().zip(counts) {
        *h = to_u32(c);
    }
    tables
}

fn context(blob: &mut Blob, c: &FailureContext) -> wit::Context {
    wit::Context {
        job_id: blob.wit_span(c.job_id.as_deref()),
        job_name: blob.wit_span(c.job_name.as_deref()),
        task_name: blob.wit_span(c.task_name.as_deref()),
        subtask_index: opt_i32(c.subtask_index),
        attempt_number: opt_i32(c.attempt_number),
        failure_type: match c.failure_type {
            FailureType::Unknown => wit::FailureType::Unknown,
            FailureType::Global => wit::FailureType::Global,
            FailureType::Task => wit::FailureType::Task,
            FailureType::TaskManager => wit::FailureType::TaskManager,
        },
        task_manager_id: blob.wit_span(c.task_manager_id.as_deref()),
        task_manager_host: blob.wit_span(c.task_manager_host.as_deref()),
        timestamp_ms: c.timestamp_ms.unwrap_or(-1),
    }
}

/// The WIT form of a (validated, size-limited) failure record, without labels.
pub(crate) fn failure(record: &FailureRecord) -> wit::FailureRecord {
    use abi::throwable::*;
    let (mut text, mut frame_count) = (256, 0);
    for t in &record.throwables {
        text += t.class.len() + t.message.as_ref().map_or(0, String::len);
        frame_count += t.frames.len();
        for f in &t.frames {
            text += f.class.len() + f.method.len() + f.file.as_ref().map_or(0, String::len);
        }
    }
    let mut blob = Blob(String::with_capacity(text));
    let n = record.throwables.len();
    let mut tables = tables([n, frame_count, 0], abi::FAILURE_TABLES);
    let (throwable_rows, frame_rows) = tables[3..].split_at_mut(n * STRIDE);
    let mut next_frame = 0;
    for (t, row) in record
        .throwables
        .iter()
        .zip(throwable_rows.chunks_exact_mut(STRIDE))
    {
        let (start, len) = frames(&mut blob, frame_rows, &mut next_frame, &t.frames);
        put(row, CLASS, blob.span(&t.class));
        put(row, MESSAGE, blob.opt(t.message.as_deref()));
        row[FLAGS] = if t.message.is_some() { HAS_MESSAGE } else { 0 }
            | if t.circular { CIRCULAR } else { 0 };
        row[FRAMES_START] = start;
        row[FRAMES_LEN] = len;
        row[OMITTED] = t.frames_omitted;
        row[PARENT] = t.parent.unwrap_or(NONE);
        row[RELATION] = match t.relation {
            Relation::Root => 0,
            Relation::Cause => 1,
            Relation::Suppressed => 2,
        };
    }
    let context = context(&mut blob, &record.context);
    wit::FailureRecord {
        strings: blob.0,
        tables,
        context,
        truncated: record.truncated,
    }
}

/// The WIT form of a stuck sample, without labels.
pub(crate) fn stuck(sample: &StuckSample) -> wit::StuckSample {
    use abi::thread::*;
    let mut blob = Blob(String::new());
    let n = sample.threads.len();
    let frame_count = sample.threads.iter().map(|t| t.frames.len()).sum();
    let lock_count = sample.threads.iter().map(|t| t.locks_held.len()).sum();
    let mut tables = tables([n, frame_count, lock_count, 0], abi::STUCK_TABLES);
    let (thread_rows, rest) = tables[4..].split_at_mut(n * STRIDE);
    let (frame_rows, lock_rows) = rest.split_at_mut(frame_count * abi::frame::STRIDE);
    let mut locks = lock_rows.chunks_exact_mut(abi::lock::STRIDE);
    let mut next_frame = 0;
    for (i, (t, row)) in sample
        .threads
        .iter()
        .zip(thread_rows.chunks_exact_mut(STRIDE))
        .enumerate()
    {
        let (start, len) = frames(&mut blob, frame_rows, &mut next_frame, &t.frames);
        for (l, lock) in t.locks_held.iter().zip(&mut locks) {
            lock[abi::lock::THREAD] = to_u32(i);
            lock[abi::lock::DEPTH] = l.frame_depth;
            put(lock, abi::lock::LOCK, blob.span(&l.lock));
        }
        put(row, NAME, blob.span(&t.name));
        let id = t.thread_id.unwrap_or(-1) as u64;
        row[ID] = id as u32;
        row[ID + 1] = (id >> 32) as u32;
        row[STATE] = match t.state {
            ThreadState::New => 0,
            ThreadState::Runnable => 1,
            ThreadState::Blocked => 2,
            ThreadState::Waiting => 3,
            ThreadState::TimedWaiting => 4,
            ThreadState::Terminated => 5,
            ThreadState::Unknown => 6,
        };
        row[FLAGS] = if t.task_thread { TASK_THREAD } else { 0 };
        row[FRAMES_START] = start;
        row[FRAMES_LEN] = len;
        put(row, WAITING_ON, blob.opt(t.waiting_on.as_deref()));
        row[LOCK_OWNER] = t.lock_owner.filter(|&o| (o as usize) < n).unwrap_or(NONE);
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
    wit::StuckSample {
        strings: blob.0,
        tables,
        context,
        progress,
    }
}

/// Where the label table lives in an encoded input, and its size without labels.
#[derive(Clone, Copy)]
pub(crate) struct LabelSlot {
    base: (usize, usize),
    /// Header word holding the label count (labels are the last table).
    count_word: usize,
}

impl LabelSlot {
    pub(crate) fn failure(input: &wit::FailureRecord) -> Self {
        LabelSlot {
            base: (input.strings.len(), input.tables.len()),
            count_word: abi::FAILURE_TABLES.len() - 1,
        }
    }

    pub(crate) fn stuck(input: &wit::StuckSample) -> Self {
        LabelSlot {
            base: (input.strings.len(), input.tables.len()),
            count_word: abi::STUCK_TABLES.len() - 1,
        }
    }

    /// Replaces the labels: text and rows are cut back to the record's own
    /// and the labels appended, so one encoding serves the whole chain.
    pub(crate) fn set(
        &self,
        strings: &mut String,
        tables: &mut Vec<u32>,
        labels: &[(String, String)],
    ) {
        strings.truncate(self.base.0);
        tables.truncate(self.base.1);
        let mut blob = Blob(std::mem::take(strings));
        for (k, v) in labels {
            let mut row = [0u32; abi::label::STRIDE];
            put(&mut row, abi::label::KEY, blob.span(k));
            put(&mut row, abi::label::VALUE, blob.span(v));
            tables.extend_from_slice(&row);
        }
        *strings = blob.0;
        tables[self.count_word] = to_u32(labels.len());
    }
}
