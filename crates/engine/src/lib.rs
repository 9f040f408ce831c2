//! The Faultline classifier engine: an ordered chain of sandboxed WebAssembly
//! filters (components of the `faultline:classifier` WIT world) that label
//! failure records and stuck samples.
//!
//! - [`Engine`] owns the wasmtime engine, the epoch ticker that enforces time
//!   budgets and the on-disk cache of compiled components. One per process.
//! - [`Chain`] is a loaded manifest: filters in order, each with a pool of
//!   ready instances so that many threads classify at once.
//! - [`SharedChain`] holds the chain in use and swaps in a new one atomically
//!   (hot reload): a classification finishes on the chain it started with.
//! - Nothing a filter does can panic the host: a trap, a timeout, memory
//!   exhaustion or an invalid answer skips that filter (fail-open) or, when its
//!   manifest asks for it, marks the result unknown (fail-closed).

mod cache;
mod chain;
mod encode;
mod engine;
mod error;
mod filter;
mod manifest;
mod merge;
mod sandbox;
mod shared;

pub use chain::{Builtins, Chain, FilterInfo, FilterStats, LoadProblem, canary_bucket};
pub use engine::{Engine, EngineConfig};
pub use error::ChainError;
pub use manifest::{FailPolicy, FilterSpec, LimitsSpec, Manifest};
pub use merge::CLASSIFIER_ERROR_CATEGORY;
pub use shared::SharedChain;

pub use faultline_model::{Classification, FilterMode, FilterReport, Outcome, SkipReason};
