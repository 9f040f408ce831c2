//! The data every part of Faultline speaks: failure records, stuck samples,
//! labels and the provenance of a classification.
//!
//! A failure record keeps its exception chain *flat*: `throwables[0]` is the
//! top-level exception and every other throwable points to an earlier one as
//! its parent. Flat lists cannot be cyclic, drop without recursion however
//! deep the chain, and map one to one onto the WIT contract in `wit/`.

mod classification;
mod labels;
mod record;
mod stuck;

pub use classification::{Classification, FilterMode, FilterReport, Outcome, SkipReason};
pub use labels::{BLAME, Blame, CATEGORY, LabelError, OutputLimits, validate_label};
pub use record::{
    FailureContext, FailureRecord, FailureType, Frame, Origin, RecordError, RecordLimits, Relation,
    Throwable,
};
pub use stuck::{HeldLock, Progress, StuckSample, ThreadSample, ThreadState};
