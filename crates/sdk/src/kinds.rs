//! The enumerations of the contract (ordinals as in `wit/classifier.wit`)
//! and a stuck task's progress figures.

/// Where the code of a frame comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Not known: no user classes were given and no configured package prefix matched.
    Unknown,
    /// The job's own code (the user jar or configured user packages).
    User,
    /// Apache Flink runtime and APIs, including its shaded dependencies.
    Flink,
    /// The Java platform: java.*, javax.*, jdk.*, sun.*.
    Jdk,
    /// A known third-party library (Kafka client, Hadoop, Kryo, Netty, ...).
    Library,
}

impl Origin {
    pub(crate) fn from_word(w: u32) -> Origin {
        match w {
            1 => Origin::User,
            2 => Origin::Flink,
            3 => Origin::Jdk,
            4 => Origin::Library,
            _ => Origin::Unknown,
        }
    }
}

/// How a throwable hangs off its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The top-level exception (always throwable 0).
    Root,
    /// The parent's `Caused by:`.
    Cause,
    /// One of the parent's `Suppressed:`.
    Suppressed,
}

impl Relation {
    pub(crate) fn from_word(w: u32) -> Relation {
        match w {
            1 => Relation::Cause,
            2 => Relation::Suppressed,
            _ => Relation::Root,
        }
    }
}

/// What kind of failure Flink reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureType {
    /// Not reported by the source.
    Unknown,
    /// A job-wide failure (for example from the JobManager or a coordinator).
    Global,
    /// A failure of one task.
    Task,
    /// A TaskManager failure.
    TaskManager,
}

impl FailureType {
    pub(crate) fn from_word(w: u32) -> FailureType {
        match w {
            1 => FailureType::Global,
            2 => FailureType::Task,
            3 => FailureType::TaskManager,
            _ => FailureType::Unknown,
        }
    }
}

/// A Java thread state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadState {
    New,
    Runnable,
    Blocked,
    Waiting,
    TimedWaiting,
    Terminated,
    Unknown,
}

impl ThreadState {
    pub(crate) fn from_word(w: u32) -> ThreadState {
        match w {
            0 => ThreadState::New,
            1 => ThreadState::Runnable,
            2 => ThreadState::Blocked,
            3 => ThreadState::Waiting,
            4 => ThreadState::TimedWaiting,
            5 => ThreadState::Terminated,
            _ => ThreadState::Unknown,
        }
    }
}

/// How far a stuck task got and how loaded it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Milliseconds without progress when the sample was taken.
    pub stalled_ms: u64,
    pub records_in: u64,
    pub records_out: u64,
    /// Share of time back-pressured by downstream, 0.0 to 1.0; negative when unknown.
    pub backpressured_ratio: f32,
    /// Share of time busy, 0.0 to 1.0; negative when unknown.
    pub busy_ratio: f32,
    /// Milliseconds since the last completed checkpoint; -1 when unknown.
    pub last_checkpoint_age_ms: i64,
}
