//! The standalone collector: polls Flink clusters' REST APIs and turns job and task
//! transitions (at Flink's own times), exception history and lost TaskManagers into
//! ledger events, classifying every new failure through the chain on the way.
//!
//! Each poll reads `/jobs/overview` and `/taskmanagers`; only jobs whose
//! `last-modification` changed are read in full (`/jobs/{id}`, each vertex's details and
//! subtask times, the exception history). When the cluster cannot be reached the
//! watcher backs off (up to 30 s) and marks every job it watched blind from the last
//! good poll until it sees the job again, so that unobserved time is UNKNOWN.

pub mod classify;
pub mod track;
pub mod watch;

pub use classify::Classifier;
pub use track::JobTracker;
pub use watch::{ClusterConfig, ClusterStatus, Watcher, now_ms};
