//! Starts real Apache Flink 2.3 standalone clusters for tests and runs the test
//! jobs of `tests/flink/jobs` on them: the Rust counterpart of `tests/flink/capture.sh`.
//!
//! ```no_run
//! use std::time::Duration;
//! use faultline_flink_harness::{FlinkCluster, Options, RestartStrategy};
//!
//! let flink = FlinkCluster::start(
//!     Options::default().with_restart(RestartStrategy::fixed_delay(3, Duration::from_secs(1))),
//! )?;
//! let job = flink.run_job("Steady", &[], None)?;
//! flink.wait_for_tasks_running(&job, Duration::from_secs(60))?;
//! flink.kill_task_manager(0)?;
//! # Ok::<(), faultline_flink_harness::Error>(())
//! ```
//!
//! Flink comes from the PyPI wheel `apache-flink-libraries` (downloaded once into
//! `$FAULTLINE_FLINK_CACHE` or `~/.cache/faultline/flink`); it needs java/javac 17
//! and python3 with pip for the first download. Every JVM is killed when its
//! [`FlinkCluster`] drops, and by the kernel (parent-death signal) if the test
//! process dies first. `FAULTLINE_FLINK_KEEP=1` keeps each cluster's work
//! directory (config and logs) and prints its path.

#![warn(missing_docs)]

mod cluster;
mod dist;
mod error;
mod http;
mod proc;

pub use cluster::{FlinkCluster, JobId, Options, RestartStrategy};
pub use dist::{
    FLINK_VERSION, FlinkDist, JOBS_PACKAGE, cache_dir, flink_dist, jobs_jar, jobs_src_dir,
};
pub use error::{Error, Result};
pub use proc::{process_alive, process_state, processes_mentioning};
