//! Zero-copy views of the inputs. Every text accessor slices the input's
//! single string blob; a span the host got wrong reads as empty, never panics.

use crate::wit::{self, Origin, Relation, Span};

fn text(strings: &str, span: Span) -> &str {
    let start = span.start as usize;
    strings.get(start..start.saturating_add(span.len as usize)).unwrap_or("")
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn labels<'a>(strings: &'a str, labels: &'a [wit::LabelRef]) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    labels.iter().map(move |l| (text(strings, l.key), text(strings, l.value)))
}

fn frame_range<'a>(strings: &'a str, frames: &'a [wit::Frame], start: u32, len: u32) -> impl DoubleEndedIterator<Item = Frame<'a>> + ExactSizeIterator + 'a {
    let start = (start as usize).min(frames.len());
    let end = start.saturating_add(len as usize).min(frames.len());
    frames[start..end].iter().map(move |raw| Frame { strings, raw })
}

/// A failure record.
#[derive(Clone, Copy)]
pub struct Failure<'a> {
    rec: &'a wit::FailureRecord,
}

impl<'a> Failure<'a> {
    /// Wraps the raw WIT record.
    pub fn new(rec: &'a wit::FailureRecord) -> Self {
        Failure { rec }
    }

    fn at(&self, index: usize) -> Option<Throwable<'a>> {
        self.rec.throwables.get(index).map(|raw| Throwable { rec: self.rec, raw, index })
    }

    /// The top-level exception.
    pub fn root(&self) -> Option<Throwable<'a>> {
        self.at(0)
    }

    /// Every throwable: the top-level one first, then causes and suppressed ones.
    pub fn throwables(&self) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let rec = self.rec;
        rec.throwables.iter().enumerate().map(move |(index, raw)| Throwable { rec, raw, index })
    }

    /// The `Caused by:` spine from the top-level exception down to the root cause.
    pub fn causes(&self) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let mut next = self.root();
        let mut steps = 0usize;
        let limit = self.rec.throwables.len();
        std::iter::from_fn(move || {
            let current = next.take()?;
            steps += 1;
            if steps <= limit {
                next = current.cause();
            }
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
        let strings = self.rec.strings.as_str();
        self.rec.frames.iter().map(move |raw| Frame { strings, raw })
    }

    /// Where and when the failure happened.
    pub fn context(&self) -> Context<'a> {
        Context { strings: &self.rec.strings, raw: &self.rec.context }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Labels set by earlier filters, in the order they were set.
    pub fn labels(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        labels(&self.rec.strings, &self.rec.labels)
    }

    /// The record was cut to the engine's size limits.
    pub fn is_truncated(&self) -> bool {
        self.rec.truncated
    }
}

/// One exception of a failure record.
#[derive(Clone, Copy)]
pub struct Throwable<'a> {
    rec: &'a wit::FailureRecord,
    raw: &'a wit::Throwable,
    index: usize,
}

impl<'a> Throwable<'a> {
    /// Position in the record (0 for the top-level exception).
    pub fn index(&self) -> usize {
        self.index
    }

    /// Fully qualified class name.
    pub fn class_name(&self) -> &'a str {
        text(&self.rec.strings, self.raw.class_name)
    }

    /// Class name without its package.
    pub fn simple_name(&self) -> &'a str {
        let c = self.class_name();
        c.rsplit('.').next().unwrap_or(c)
    }

    /// The message, `None` when Java's `getMessage()` was null.
    pub fn message(&self) -> Option<&'a str> {
        self.raw.has_message.then(|| text(&self.rec.strings, self.raw.message))
    }

    /// The message, or "" when there is none.
    pub fn message_or_empty(&self) -> &'a str {
        self.message().unwrap_or("")
    }

    /// Frames, innermost first.
    pub fn frames(&self) -> impl DoubleEndedIterator<Item = Frame<'a>> + ExactSizeIterator + 'a {
        frame_range(&self.rec.strings, &self.rec.frames, self.raw.frames_start, self.raw.frames_len)
    }

    /// The innermost frame: where it was thrown.
    pub fn top_frame(&self) -> Option<Frame<'a>> {
        self.frames().next()
    }

    /// Frames Java elided as `... N more`.
    pub fn frames_omitted(&self) -> u32 {
        self.raw.frames_omitted
    }

    /// How it hangs off its parent.
    pub fn relation(&self) -> Relation {
        self.raw.relation
    }

    /// `[CIRCULAR REFERENCE: ...]`: a repeat of an exception already in the chain.
    pub fn is_circular(&self) -> bool {
        self.raw.circular
    }

    /// The enclosing throwable.
    pub fn parent(&self) -> Option<Throwable<'a>> {
        let p = self.raw.parent? as usize;
        (p < self.index).then(|| Failure::new(self.rec).at(p)).flatten()
    }

    fn children(&self, relation: Relation) -> impl Iterator<Item = Throwable<'a>> + 'a {
        let (rec, index) = (self.rec, self.index);
        rec.throwables
            .iter()
            .enumerate()
            .skip(index + 1)
            .filter(move |(_, t)| t.parent == Some(index as u32) && t.relation == relation)
            .map(move |(i, raw)| Throwable { rec, raw, index: i })
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
    raw: &'a wit::Frame,
}

impl<'a> Frame<'a> {
    /// Fully qualified declaring class.
    pub fn class_name(&self) -> &'a str {
        text(self.strings, self.raw.declaring_class)
    }

    /// Method name.
    pub fn method(&self) -> &'a str {
        text(self.strings, self.raw.method)
    }

    /// Source file, when known.
    pub fn file(&self) -> Option<&'a str> {
        non_empty(text(self.strings, self.raw.file))
    }

    /// Line number, when known.
    pub fn line(&self) -> Option<u32> {
        u32::try_from(self.raw.line).ok()
    }

    /// A native method.
    pub fn is_native(&self) -> bool {
        self.raw.line == -2
    }

    /// Where the frame's code comes from.
    pub fn origin(&self) -> Origin {
        self.raw.origin
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
    pub fn failure_type(&self) -> wit::FailureType {
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
}

impl<'a> Stuck<'a> {
    /// Wraps the raw WIT sample.
    pub fn new(raw: &'a wit::StuckSample) -> Self {
        Stuck { raw }
    }

    /// Every sampled thread.
    pub fn threads(&self) -> impl Iterator<Item = Thread<'a>> + 'a {
        let raw = self.raw;
        raw.threads.iter().enumerate().map(move |(index, t)| Thread { sample: raw, raw: t, index })
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
        Context { strings: &self.raw.strings, raw: &self.raw.context }
    }

    /// The value an earlier filter set for `key`.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        labels(&self.raw.strings, &self.raw.labels).find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// One sampled thread.
#[derive(Clone, Copy)]
pub struct Thread<'a> {
    sample: &'a wit::StuckSample,
    raw: &'a wit::ThreadSample,
    index: usize,
}

impl<'a> Thread<'a> {
    pub fn name(&self) -> &'a str {
        text(&self.sample.strings, self.raw.name)
    }
    pub fn state(&self) -> wit::ThreadState {
        self.raw.state
    }
    pub fn is_task_thread(&self) -> bool {
        self.raw.task_thread
    }
    /// Frames, innermost first.
    pub fn frames(&self) -> impl DoubleEndedIterator<Item = Frame<'a>> + ExactSizeIterator + 'a {
        frame_range(&self.sample.strings, &self.sample.frames, self.raw.frames_start, self.raw.frames_len)
    }
    /// The lock it waits for.
    pub fn waiting_on(&self) -> Option<&'a str> {
        non_empty(text(&self.sample.strings, self.raw.waiting_on))
    }
    /// The thread holding the lock it waits for.
    pub fn lock_owner(&self) -> Option<Thread<'a>> {
        let i = self.raw.lock_owner? as usize;
        let sample = self.sample;
        sample.threads.get(i).map(|raw| Thread { sample, raw, index: i })
    }
    /// Locks it holds, with the depth of the frame that took each.
    pub fn locks_held(&self) -> impl Iterator<Item = (u32, &'a str)> + 'a {
        let (sample, index) = (self.sample, self.index);
        sample
            .locks
            .iter()
            .filter(move |l| l.thread as usize == index)
            .map(move |l| (l.frame_depth, text(&sample.strings, l.lock)))
    }
}
