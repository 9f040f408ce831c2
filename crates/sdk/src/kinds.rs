//! The enumerations of the contract, decoded from their ordinals (as in
//! `wit/classifier.wit`) into the model's types, and a stuck task's progress figures.

pub use faultline_model::{FailureType, Origin, Relation, ThreadState};

pub(crate) fn origin(w: u32) -> Origin {
    match w {
        1 => Origin::User,
        2 => Origin::Flink,
        3 => Origin::Jdk,
        4 => Origin::Library,
        _ => Origin::Unknown,
    }
}

pub(crate) fn relation(w: u32) -> Relation {
    match w {
        1 => Relation::Cause,
        2 => Relation::Suppressed,
        _ => Relation::Root,
    }
}

pub(crate) fn failure_type(w: u32) -> FailureType {
    match w {
        1 => FailureType::Global,
        2 => FailureType::Task,
        3 => FailureType::TaskManager,
        _ => FailureType::Unknown,
    }
}

pub(crate) fn thread_state(w: u32) -> ThreadState {
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
