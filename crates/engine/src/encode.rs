//! Lays a record out as the WIT contract wants it: one `list<u32>` with a
//! directory of packed tables, the tables and all text (layout in
//! `faultline-abi`), so passing a record to a filter is one allocation and
//! one memcpy in the guest whatever its size. A record is encoded once per
//! chain call; only the label table at its end changes between filters.

use faultline_abi::{self as abi, NONE, Writer};
use faultline_model::{
    FailureContext, FailureRecord, FailureType, Frame, Origin, Relation, StuckSample, ThreadState,
};

fn opt_i32(n: Option<u32>) -> i32 {
    n.and_then(|n| i32::try_from(n).ok()).unwrap_or(-1)
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

fn frames_text(frames: &[Frame]) -> usize {
    frames
        .iter()
        .map(|f| f.class.len() + f.method.len() + f.file.as_ref().map_or(0, String::len))
        .sum()
}

fn context_text(c: &FailureContext) -> usize {
    [
        &c.job_id,
        &c.job_name,
        &c.task_name,
        &c.task_manager_id,
        &c.task_manager_host,
    ]
    .iter()
    .map(|s| s.as_ref().map_or(0, String::len))
    .sum()
}

/// Writes `frames` as rows `first..` of table `table`.
fn frames(w: &mut Writer, table: usize, first: usize, frames: &[Frame]) {
    use abi::frame::*;
    let mut at = w.at(table, first);
    for f in frames {
        w.span_at(at + CLASS, &f.class);
        w.span_at(at + METHOD, &f.method);
        if let Some(file) = &f.file {
            w.span_at(at + FILE, file);
        }
        let line = if f.native {
            LINE_NATIVE
        } else {
            opt_i32(f.line)
        };
        w.set(at + LINE, line as u32);
        w.set(at + ORIGIN, origin(f.origin));
        at += STRIDE;
    }
}

/// Writes the context row (table 0, row 0).
fn context(w: &mut Writer, c: &FailureContext, truncated: bool) {
    use abi::context::*;
    for (at, s) in [
        (JOB_ID, &c.job_id),
        (JOB_NAME, &c.job_name),
        (TASK_NAME, &c.task_name),
        (TASK_MANAGER_ID, &c.task_manager_id),
        (TASK_MANAGER_HOST, &c.task_manager_host),
    ] {
        if let Some(s) = s {
            w.span(0, 0, at, s);
        }
    }
    let row = w.row(0, 0);
    row[SUBTASK_INDEX] = opt_i32(c.subtask_index) as u32;
    row[ATTEMPT_NUMBER] = opt_i32(c.attempt_number) as u32;
    row[FAILURE_TYPE] = match c.failure_type {
        FailureType::Unknown => 0,
        FailureType::Global => 1,
        FailureType::Task => 2,
        FailureType::TaskManager => 3,
    };
    abi::put_u64(row, TIMESTAMP_MS, c.timestamp_ms.unwrap_or(-1) as u64);
    row[FLAGS] = if truncated { TRUNCATED } else { 0 };
}

/// An encoded input and where its label table goes.
pub(crate) struct Input {
    buf: Vec<u32>,
    /// Words of the input without labels.
    base: usize,
    /// Directory entry of the label table.
    label_entry: usize,
}

impl Input {
    fn new(buf: Vec<u32>, label_entry: usize) -> Input {
        Input {
            base: buf.len(),
            buf,
            label_entry,
        }
    }

    /// The input with `labels` as the label table (replacing earlier ones).
    pub(crate) fn with_labels(&mut self, labels: &[(String, String)]) -> &[u32] {
        self.buf.truncate(self.base);
        if !labels.is_empty() {
            abi::append_labels(
                &mut self.buf,
                self.label_entry,
                labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
        } else {
            self.buf[3 * self.label_entry + 1] = 0;
        }
        &self.buf
    }
}

/// A (validated, size-limited) failure record, without labels.
pub(crate) fn failure(record: &FailureRecord) -> Input {
    use abi::throwable::*;
    let (mut text, mut frame_count) = (context_text(&record.context), 0);
    for t in &record.throwables {
        text += t.class.len() + t.message.as_ref().map_or(0, String::len);
        frame_count += t.frames.len();
        text += frames_text(&t.frames);
    }
    let n = record.throwables.len();
    let mut w = Writer::new(
        &[
            (1, abi::context::STRIDE),
            (n, STRIDE),
            (frame_count, abi::frame::STRIDE),
            (0, abi::label::STRIDE),
        ],
        text,
    );
    let mut next_frame = 0;
    for (i, t) in record.throwables.iter().enumerate() {
        frames(&mut w, 2, next_frame, &t.frames);
        w.span(1, i, CLASS, &t.class);
        if let Some(m) = &t.message {
            w.span(1, i, MESSAGE, m);
        }
        let row = w.row(1, i);
        row[FLAGS] = if t.message.is_some() { HAS_MESSAGE } else { 0 }
            | if t.circular { CIRCULAR } else { 0 };
        row[FRAMES_START] = abi::to_u32(next_frame);
        row[FRAMES_LEN] = abi::to_u32(t.frames.len());
        row[OMITTED] = t.frames_omitted;
        row[PARENT] = t.parent.unwrap_or(NONE);
        row[RELATION] = match t.relation {
            Relation::Root => 0,
            Relation::Cause => 1,
            Relation::Suppressed => 2,
        };
        next_frame += t.frames.len();
    }
    context(&mut w, &record.context, record.truncated);
    Input::new(w.finish(), 3)
}

/// A stuck sample, without labels.
pub(crate) fn stuck(sample: &StuckSample) -> Input {
    use abi::thread::*;
    let n = sample.threads.len();
    let frame_count = sample.threads.iter().map(|t| t.frames.len()).sum();
    let lock_count = sample.threads.iter().map(|t| t.locks_held.len()).sum();
    let text = context_text(&sample.context)
        + sample
            .threads
            .iter()
            .map(|t| {
                t.name.len()
                    + t.waiting_on.as_ref().map_or(0, String::len)
                    + t.locks_held.iter().map(|l| l.lock.len()).sum::<usize>()
                    + frames_text(&t.frames)
            })
            .sum::<usize>();
    let mut w = Writer::new(
        &[
            (1, abi::context::STRIDE),
            (1, abi::progress::STRIDE),
            (n, STRIDE),
            (frame_count, abi::frame::STRIDE),
            (lock_count, abi::lock::STRIDE),
            (0, abi::label::STRIDE),
        ],
        text,
    );
    let (mut next_frame, mut next_lock) = (0, 0);
    for (i, t) in sample.threads.iter().enumerate() {
        frames(&mut w, 3, next_frame, &t.frames);
        for l in &t.locks_held {
            w.span(4, next_lock, abi::lock::LOCK, &l.lock);
            let lock = w.row(4, next_lock);
            lock[abi::lock::THREAD] = abi::to_u32(i);
            lock[abi::lock::DEPTH] = l.frame_depth;
            next_lock += 1;
        }
        w.span(2, i, NAME, &t.name);
        if let Some(on) = &t.waiting_on {
            w.span(2, i, WAITING_ON, on);
        }
        let row = w.row(2, i);
        abi::put_u64(row, ID, t.thread_id.unwrap_or(-1) as u64);
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
        row[FRAMES_START] = abi::to_u32(next_frame);
        row[FRAMES_LEN] = abi::to_u32(t.frames.len());
        row[LOCK_OWNER] = t.lock_owner.filter(|&o| (o as usize) < n).unwrap_or(NONE);
        next_frame += t.frames.len();
    }
    let p = &sample.progress;
    {
        use abi::progress::*;
        let row = w.row(1, 0);
        abi::put_u64(row, STALLED_MS, p.stalled_ms);
        abi::put_u64(row, RECORDS_IN, p.records_in);
        abi::put_u64(row, RECORDS_OUT, p.records_out);
        row[BACKPRESSURED_RATIO] = p.backpressured_ratio.unwrap_or(-1.0).to_bits();
        row[BUSY_RATIO] = p.busy_ratio.unwrap_or(-1.0).to_bits();
        abi::put_u64(
            row,
            LAST_CHECKPOINT_AGE_MS,
            p.last_checkpoint_age_ms.unwrap_or(-1) as u64,
        );
    }
    context(&mut w, &sample.context, false);
    Input::new(w.finish(), 5)
}
