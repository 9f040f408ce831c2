//! The stuck sample: thread stacks of a task that stopped making progress.

use serde::{Deserialize, Serialize};

use crate::record::{FailureContext, Frame};

/// A Java thread state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadState {
    New,
    Runnable,
    Blocked,
    Waiting,
    TimedWaiting,
    Terminated,
    #[default]
    Unknown,
}

/// A lock held by a thread.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HeldLock {
    /// Depth of the frame that took the lock.
    pub frame_depth: u32,
    /// Lock description (`java.lang.Object@1b6d3586`).
    pub lock: String,
}

/// One sampled thread.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ThreadSample {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<i64>,
    pub state: ThreadState,
    /// The task's own thread.
    pub task_thread: bool,
    pub frames: Vec<Frame>,
    /// The lock the thread waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_on: Option<String>,
    /// Index of the thread holding `waiting_on`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock_owner: Option<u32>,
    pub locks_held: Vec<HeldLock>,
}

/// Progress and load figures of a stuck task.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Progress {
    pub stalled_ms: u64,
    pub records_in: u64,
    pub records_out: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backpressured_ratio: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy_ratio: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_checkpoint_age_ms: Option<i64>,
}

/// Thread stacks of a stalled task with its progress figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StuckSample {
    pub context: FailureContext,
    pub threads: Vec<ThreadSample>,
    pub progress: Progress,
}
