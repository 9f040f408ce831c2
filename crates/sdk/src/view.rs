//! Zero-copy views of the inputs. Every text accessor slices the input's
//! single string blob and every row is read in place from its packed table
//! (layout in `faultline-abi`); a row or span the host got wrong reads as
//! empty, never panics.

use faultline_abi::{self as abi, Row, Table};

use crate::wit::{self, FailureType, Origin, Relation, ThreadState};

fn text(strings: &str, span: wit::Span) -> &str {
    abi::text(strings, (span.start, span.len))
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn labels<'a>(strings: &'a str, table: Table<'a>) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    table.rows().map(move |r| {
        (
            abi::text(strings, r.span(abi::label::KEY)),
            abi::text(strings, r.span(abi::label::VALUE)),
        )
    })
}

fn frame_range<'a>(
    strings: &'a str,
    frames: Table<'a>,
    start: u32,
    len: u32,
) -> impl DoubleEndedIterator<Item = Frame<'a>> + 'a {
    frames
        .range(start, len)
        .rows()
        .map(move |row| Frame { strings, row })
}

fn origin(word: u32) -> Origin {
    match word {
        1 => Origin::User,
        2 => Origin::Flink,
        3 => Origin::Jdk,
        4 => Origin::Library,
        _ => Origin::Unknown,
    }
}

/// A failure record.
#[derive(Clone, Copy)]
pub struct Failure<'a> {
    rec: &'a wit::FailureRecord,
    throwables: Table<'a>,
    frames: Table<'a>,
    labels: Table<'a>,
}

impl<'a> Failure<'a> {
    /// Wraps the raw WIT record.
    pub fn new(rec: &'a wit::FailureRecord) -> Self {
        let [throwables, frames, labels] = abi::split(&rec.tables, abi::FAILURE_TABLES);
        Failure {
            rec,
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
        frame_range(&self.rec.strings, self.frames, 0, u32::MAX)
    }

    /// Where and when the failure happened.
    pub fn context(&self) -> Context<'a> {
        Context {
            strings: &self.rec.strings,
            raw: &self.rec.context,
        }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Labels set by earlier filters, in the order they were set.
    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        labels(&self.rec.strings, self.labels)
    }

    /// The record was cut to the engine's size limits.
    pub fn is_truncated(&self) -> bool {
        self.rec.truncated
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
        abi::text(&self.failure.rec.strings, self.row.span(word))
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
        frame_range(&self.failure.rec.strings, self.failure.frames, start, len)
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
        match self.row.word(abi::throwable::RELATION) {
            1 => Relation::Cause,
            2 => Relation::Suppressed,
            _ => Relation::Root,
        }
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
    strings: &'a str,
    row: Row<'a>,
}

impl<'a> Frame<'a> {
    /// Fully qualified declaring class.
    pub fn class_name(&self) -> &'a str {
        abi::text(self.strings, self.row.span(abi::frame::CLASS))
    }

    /// Method name.
    pub fn method(&self) -> &'a str {
        abi::text(self.strings, self.row.span(abi::frame::METHOD))
    }

    /// Source file, when known.
    pub fn file(&self) -> Option<&'a str> {
        non_empty(abi::text(self.strings, self.row.span(abi::frame::FILE)))
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
        origin(self.row.word(abi::frame::ORIGIN))
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
    strings: &'a str,
    raw: &'a wit::Context,
}

impl<'a> Context<'a> {
    pub fn job_id(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.job_id))
    }
    pub fn job_name(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.job_name))
    }
    pub fn task_name(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.task_name))
    }
    pub fn subtask_index(&self) -> Option<u32> {
        u32::try_from(self.raw.subtask_index).ok()
    }
    pub fn attempt_number(&self) -> Option<u32> {
        u32::try_from(self.raw.attempt_number).ok()
    }
    pub fn failure_type(&self) -> FailureType {
        self.raw.failure_type
    }
    pub fn task_manager_id(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.task_manager_id))
    }
    pub fn task_manager_host(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.task_manager_host))
    }
    /// Milliseconds since the Unix epoch in Flink's clock.
    pub fn timestamp_ms(&self) -> Option<i64> {
        (self.raw.timestamp_ms >= 0).then_some(self.raw.timestamp_ms)
    }
}

/// Thread stacks of a task that stopped making progress.
#[derive(Clone, Copy)]
pub struct Stuck<'a> {
    raw: &'a wit::StuckSample,
    threads: Table<'a>,
    frames: Table<'a>,
    locks: Table<'a>,
    labels: Table<'a>,
}

impl<'a> Stuck<'a> {
    /// Wraps the raw WIT sample.
    pub fn new(raw: &'a wit::StuckSample) -> Self {
        let [threads, frames, locks, labels] = abi::split(&raw.tables, abi::STUCK_TABLES);
        Stuck {
            raw,
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
    pub fn progress(&self) -> &'a wit::Progress {
        &self.raw.progress
    }

    /// Which task, where.
    pub fn context(&self) -> Context<'a> {
        Context {
            strings: &self.raw.strings,
            raw: &self.raw.context,
        }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        labels(&self.raw.strings, self.labels)
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
        abi::text(&self.sample.raw.strings, self.row.span(word))
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
        match self.row.word(abi::thread::STATE) {
            0 => ThreadState::New,
            1 => ThreadState::Runnable,
            2 => ThreadState::Blocked,
            3 => ThreadState::Waiting,
            4 => ThreadState::TimedWaiting,
            5 => ThreadState::Terminated,
            _ => ThreadState::Unknown,
        }
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
        frame_range(&self.sample.raw.strings, self.sample.frames, start, len)
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
        let (strings, index) = (self.sample.raw.strings.as_str(), self.index);
        self.sample
            .locks
            .rows()
            .filter(move |l| l.word(abi::lock::THREAD) as usize == index)
            .map(move |l| {
                (
                    l.word(abi::lock::DEPTH),
                    abi::text(strings, l.span(abi::lock::LOCK)),
                )
            })
    }
}
