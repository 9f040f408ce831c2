//! Faultline's accounting core.
//!
//! Events (job and task transitions with Flink's own timestamps, classified failures,
//! stalls, blind spans) go into a [`Ledger`], which keeps per job a clock per [`Stage`]
//! and attributes every interval of down time to the [`Incident`] that caused it, by the
//! rules in [`rules`]. The [`log`] module makes it durable (append-only event log plus
//! snapshots); [`sla`] turns spans of time into availability and error budgets over a
//! window; [`replay`] re-attributes the past with a new classifier; [`rollout`] measures
//! shadow and canary filters against the enforced answer.

pub mod event;
pub mod incident;
pub mod job;
pub mod ledger;
pub mod log;
pub mod replay;
pub mod rollout;
pub mod rules;
pub mod sla;
pub mod stage;

pub use event::{Event, EventKind, ExecutionState, Failure, JobStatus, Millis, UserAction, Vertex};
pub use incident::{Cause, Incident};
pub use job::{Job, Span, Totals};
pub use ledger::{Ledger, LedgerConfig};
pub use rules::{Account, IncidentKind, Role, Rules};
pub use stage::{Stage, StageTimes};
