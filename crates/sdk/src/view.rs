//! Zero-copy views of the inputs. Every text accessor slices the input
//! buffer and every row is read in place from its packed table (layout in
//! `faultline-abi`); a row or span the host got wrong reads as empty, never
//! panics.

use faultline_abi::{self as abi, Row, Table};

use crate::kinds::{FailureType, Origin, Progress, Relation, ThreadState};

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn labels<'a>(bytes: &'a [u8], table: Table<'a>) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    table.rows().map(move |r| {
        (
            abi::text(bytes, r.span(abi::label::KEY)),
            abi::text(bytes, r.span(abi::label::VALUE)),
        )
    })
}

fn frame_range<'a>(
    bytes: &'a [u8],
    frames: Table<'a>,
    start: u32,
    len: u32,
) -> impl DoubleEndedIterator<Item = Frame<'a>> + 'a {
    frames
        .range(start, len)
        .rows()
        .map(move |row| Frame { bytes, row })
}

const EMPTY_ROW: Row<'static> = Row(&[]);

/// A failure record.
#[derive(Clone, Copy)]
pub struct Failure<'a> {
    bytes: &'a [u8],
    context: Row<'a>,
    throwables: Table<'a>,
    frames: Table<'a>,
    labels: Table<'a>,
}

impl<'a> Failure<'a> {
    /// Reads a failure record laid out as in `wit/classifier.wit`.
    pub fn new(input: &'a [u32]) -> Self {
        let [context, throwables, frames, labels] = abi::split::<4>(input);
        Failure {
            bytes: abi::bytes(input),
            context: context.row(0).unwrap_or(EMPTY_ROW),
            throwables,
            frames,
            labels,
        }
    }

    fn at(&self, index: usize) -> Option<Throwable<'a>> {
        self.throwables.row(index).map(|row| Throwable {
            failure: *self,
            row,
            index,
        })
    }

    /// The top-level exception.
    pub fn root(&self) -> Option<Throwable<'a>> {
        self.at(0)
    }

    /// Every throwable: the top-level one first, then causes and suppressed ones.
    pub fn throwables(&self) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let this = *self;
        (0..self.throwables.len()).filter_map(move |i| this.at(i))
    }

    /// The `Caused by:` spine from the top-level exception down to the root cause.
    pub fn causes(&self) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let mut next = self.root();
        let mut left = self.throwables.len();
        std::iter::from_fn(move || {
            let current = next.take()?;
            left = left.checked_sub(1)?;
            next = current.cause();
            Some(current)
        })
    }

    /// The deepest real (non-circular) exception of the spine: usually the one that matters.
    pub fn root_cause(&self) -> Option<Throwable<'a>> {
        self.causes().filter(|t| !t.is_circular()).last()
    }

    /// The first throwable (in chain order) whose class is `class` exactly.
    pub fn find(&self, class: &str) -> Option<Throwable<'a>> {
        self.throwables().find(|t| t.class_name() == class)
    }

    /// Every frame of every throwable.
    pub fn frames(&self) -> impl Iterator<Item = Frame<'a>> + 'a {
        frame_range(self.bytes, self.frames, 0, u32::MAX)
    }

    /// Where and when the failure happened.
    pub fn context(&self) -> Context<'a> {
        Context {
            bytes: self.bytes,
            row: self.context,
        }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Labels set by earlier filters, in the order they were set.
    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        labels(self.bytes, self.labels)
    }

    /// The record was cut to the engine's size limits.
    pub fn is_truncated(&self) -> bool {
        self.context.word(abi::context::FLAGS) & abi::context::TRUNCATED != 0
    }
}

/// One exception of a failure record.
#[derive(Clone, Copy)]
pub struct Throwable<'a> {
    failure: Failure<'a>,
    row: Row<'a>,
    index: usize,
}

impl<'a> Throwable<'a> {
    fn text(&self, word: usize) -> &'a str {
        abi::text(self.failure.bytes, self.row.span(word))
    }

    /// Position in the record (0 for the top-level exception).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Fully qualified class name.
    pub fn class_name(&self) -> &'a str {
        self.text(abi::throwable::CLASS)
    }

    /// Class name without its package.
    pub fn simple_name(&self) -> &'a str {
        let c = self.class_name();
        c.rsplit('.').next().unwrap_or(c)
    }

    /// The message, `None` when Java's `getMessage()` was null.
    pub fn message(&self) -> Option<&'a str> {
        let has = self.row.word(abi::throwable::FLAGS) & abi::throwable::HAS_MESSAGE != 0;
        has.then(|| self.text(abi::throwable::MESSAGE))
    }

    /// The message, or "" when there is none.
    pub fn message_or_empty(&self) -> &'a str {
        self.message().unwrap_or("")
    }

    /// Frames, innermost first.
    pub fn frames(&self) -> impl DoubleEndedIterator<Item = Frame<'a>> + 'a {
        let (start, len) = (
            self.row.word(abi::throwable::FRAMES_START),
            self.row.word(abi::throwable::FRAMES_LEN),
        );
        frame_range(self.failure.bytes, self.failure.frames, start, len)
    }

    /// The innermost frame: where it was thrown.
    pub fn top_frame(&self) -> Option<Frame<'a>> {
        self.frames().next()
    }

    /// Frames Java elided as `... N more`.
    pub fn frames_omitted(&self) -> u32 {
        self.row.word(abi::throwable::OMITTED)
    }

    /// How it hangs off its parent.
    pub fn relation(&self) -> Relation {
        crate::kinds::relation(self.row.word(abi::throwable::RELATION))
    }

    /// `[CIRCULAR REFERENCE: ...]`: a repeat of an exception already in the chain.
    pub fn is_circular(&self) -> bool {
        self.row.word(abi::throwable::FLAGS) & abi::throwable::CIRCULAR != 0
    }

    fn parent_index(&self) -> Option<usize> {
        let p = self.row.index(abi::throwable::PARENT)? as usize;
        (p < self.index).then_some(p)
    }

    /// The enclosing throwable.
    pub fn parent(&self) -> Option<Throwable<'a>> {
        self.failure.at(self.parent_index()?)
    }

    fn children(&self, relation: Relation) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let index = self.index;
        self.failure
            .throwables()
            .skip(index + 1)
            .filter(move |t| t.parent_index() == Some(index) && t.relation() == relation)
    }

    /// Its `Caused by:`.
    pub fn cause(&self) -> Option<Throwable<'a>> {
        self.children(Relation::Cause).next()
    }

    /// Its `Suppressed:` exceptions.
    pub fn suppressed(&self) -> impl Iterator<Item = Throwable<'a>> + 'a {
        self.children(Relation::Suppressed)
    }
}

/// One stack frame.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    bytes: &'a [u8],
    row: Row<'a>,
}

impl<'a> Frame<'a> {
    /// Fully qualified declaring class.
    pub fn class_name(&self) -> &'a str {
        abi::text(self.bytes, self.row.span(abi::frame::CLASS))
    }

    /// Method name.
    pub fn method(&self) -> &'a str {
        abi::text(self.bytes, self.row.span(abi::frame::METHOD))
    }

    /// Source file, when known.
    pub fn file(&self) -> Option<&'a str> {
        non_empty(abi::text(self.bytes, self.row.span(abi::frame::FILE)))
    }

    /// Line number, when known.
    pub fn line(&self) -> Option<u32> {
        u32::try_from(self.row.word(abi::frame::LINE) as i32).ok()
    }

    /// A native method.
    pub fn is_native(&self) -> bool {
        self.row.word(abi::frame::LINE) as i32 == abi::frame::LINE_NATIVE
    }

    /// Where the frame's code comes from.
    pub fn origin(&self) -> Origin {
        crate::kinds::origin(self.row.word(abi::frame::ORIGIN))
    }

    /// A lambda body or a lambda's generated class.
    pub fn is_lambda(&self) -> bool {
        self.method().starts_with("lambda$") || self.class_name().contains("$$Lambda")
    }

    /// True when the declaring class starts with `prefix`.
    pub fn in_package(&self, prefix: &str) -> bool {
        self.class_name().starts_with(prefix)
    }
}

/// Where and when a failure happened.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    bytes: &'a [u8],
    row: Row<'a>,
}

impl<'a> Context<'a> {
    fn text(&self, word: usize) -> Option<&'a str> {
        non_empty(abi::text(self.bytes, self.row.span(word)))
    }
    fn number(&self, word: usize) -> Option<u32> {
        u32::try_from(self.row.word(word) as i32).ok()
    }
    pub fn job_id(&self) -> Option<&'a str> {
        self.text(abi::context::JOB_ID)
    }
    pub fn job_name(&self) -> Option<&'a str> {
        self.text(abi::context::JOB_NAME)
    }
    pub fn task_name(&self) -> Option<&'a str> {
        self.text(abi::context::TASK_NAME)
    }
    pub fn subtask_index(&self) -> Option<u32> {
        self.number(abi::context::SUBTASK_INDEX)
    }
    pub fn attempt_number(&self) -> Option<u32> {
        self.number(abi::context::ATTEMPT_NUMBER)
    }
    pub fn failure_type(&self) -> FailureType {
        crate::kinds::failure_type(self.row.word(abi::context::FAILURE_TYPE))
    }
    pub fn task_manager_id(&self) -> Option<&'a str> {
        self.text(abi::context::TASK_MANAGER_ID)
    }
    pub fn task_manager_host(&self) -> Option<&'a str> {
        self.text(abi::context::TASK_MANAGER_HOST)
    }
    /// Milliseconds since the Unix epoch in Flink's clock.
    pub fn timestamp_ms(&self) -> Option<i64> {
        // An absent context row reads as zeroes: treat it as unknown too.
        let ms = self.row.u64(abi::context::TIMESTAMP_MS) as i64;
        (ms >= 0 && !self.row.0.is_empty()).then_some(ms)
    }
}

/// Thread stacks of a task that stopped making progress.
#[derive(Clone, Copy)]
pub struct Stuck<'a> {
    bytes: &'a [u8],
    context: Row<'a>,
    progress: Row<'a>,
    threads: Table<'a>,
    frames: Table<'a>,
    locks: Table<'a>,
    labels: Table<'a>,
}

impl<'a> Stuck<'a> {
    /// Reads a stuck sample laid out as in `wit/classifier.wit`.
    pub fn new(input: &'a [u32]) -> Self {
        let [context, progress, threads, frames, locks, labels] = abi::split::<6>(input);
        Stuck {
            bytes: abi::bytes(input),
            context: context.row(0).unwrap_or(EMPTY_ROW),
            progress: progress.row(0).unwrap_or(EMPTY_ROW),
            threads,
            frames,
            locks,
            labels,
        }
    }

    fn at(&self, index: usize) -> Option<Thread<'a>> {
        self.threads.row(index).map(|row| Thread {
            sample: *self,
            row,
            index,
        })
    }

    /// Every sampled thread.
    pub fn threads(&self) -> impl Iterator<Item = Thread<'a>> + 'a {
        let this = *self;
        (0..self.threads.len()).filter_map(move |i| this.at(i))
    }

    /// The task's own threads.
    pub fn task_threads(&self) -> impl Iterator<Item = Thread<'a>> + 'a {
        self.threads().filter(|t| t.is_task_thread())
    }

    /// Progress and load figures.
    pub fn progress(&self) -> Progress {
        use abi::progress::*;
        let p = self.progress;
        let known = !p.0.is_empty();
        let ratio = |w| {
            if known {
                f32::from_bits(p.word(w))
            } else {
                -1.0
            }
        };
        Progress {
            stalled_ms: p.u64(STALLED_MS),
            records_in: p.u64(RECORDS_IN),
            records_out: p.u64(RECORDS_OUT),
            backpressured_ratio: ratio(BACKPRESSURED_RATIO),
            busy_ratio: ratio(BUSY_RATIO),
            last_checkpoint_age_ms: if known {
                p.u64(LAST_CHECKPOINT_AGE_MS) as i64
            } else {
                -1
            },
        }
    }

    /// Which task, where.
    pub fn context(&self) -> Context<'a> {
        Context {
            bytes: self.bytes,
            row: self.context,
        }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        labels(self.bytes, self.labels)
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// One sampled thread.
#[derive(Clone, Copy)]
pub struct Thread<'a> {
    sample: Stuck<'a>,
    row: Row<'a>,
    index: usize,
}

impl<'a> Thread<'a> {
    fn text(&self, word: usize) -> &'a str {
        abi::text(self.sample.bytes, self.row.span(word))
    }
    pub fn name(&self) -> &'a str {
        self.text(abi::thread::NAME)
    }
    /// The Java thread id, when known.
    pub fn thread_id(&self) -> Option<i64> {
        let (lo, hi) = self.row.span(abi::thread::ID);
        let id = (u64::from(hi) << 32 | u64::from(lo)) as i64;
        (id >= 0).then_some(id)
    }
    pub fn state(&self) -> ThreadState {
        crate::kinds::thread_state(self.row.word(abi::thread::STATE))
    }
    pub fn is_task_thread(&self) -> bool {
        self.row.word(abi::thread::FLAGS) & abi::thread::TASK_THREAD != 0
    }
    /// Frames, innermost first.
    pub fn frames(&self) -> impl DoubleEndedIterator<Item = Frame<'a>> + 'a {
        let (start, len) = (
            self.row.word(abi::thread::FRAMES_START),
            self.row.word(abi::thread::FRAMES_LEN),
        );
        frame_range(self.sample.bytes, self.sample.frames, start, len)
    }
    /// The lock it waits for.
    pub fn waiting_on(&self) -> Option<&'a str> {
        non_empty(self.text(abi::thread::WAITING_ON))
    }
    /// The thread holding the lock it waits for.
    pub fn lock_owner(&self) -> Option<Thread<'a>> {
        self.sample
            .at(self.row.index(abi::thread::LOCK_OWNER)? as usize)
    }
    /// Locks it holds, with the depth of the frame that took each.
    pub fn locks_held(&self) -> impl Iterator<Item = (u32, &'a str)> + 'a {
        let (bytes, index) = (self.sample.bytes, self.index);
        self.sample
            .locks
            .rows()
            .filter(move |l| l.word(abi::lock::THREAD) as usize == index)
            .map(move |l| {
                (
                    l.word(abi::lock::DEPTH),
                    abi::text(bytes, l.span(abi::lock::LOCK)),
                )
            })
    }
}
