//! The result of running a chain: labels, who set each, and how each filter fared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::labels::{BLAME, Blame, CATEGORY};

/// How a filter's answer is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterMode {
    /// Its labels are applied and its `stop` is obeyed.
    #[default]
    Enforce,
    /// It runs and its labels are recorded in its report, never applied.
    Shadow,
    /// It is enforced for a stable share of jobs (`canary-percent`, by a hash of the
    /// cluster and job id) and runs as shadow for the others.
    Canary,
}

impl FilterMode {
    /// The name used in `chain.toml`, reports and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterMode::Enforce => "enforce",
            FilterMode::Shadow => "shadow",
            FilterMode::Canary => "canary",
        }
    }
}

impl std::fmt::Display for FilterMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a filter contributed nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "kebab-case")]
pub enum SkipReason {
    /// The filter trapped (panic, unreachable, out-of-bounds access, ...).
    Trap(String),
    /// The call ran past its time budget.
    Timeout,
    /// The filter tried to grow its memory past its cap.
    Memory,
    /// The filter answered with labels that break the contract.
    InvalidOutput(String),
    /// The filter could not be loaded (missing file, invalid component, refused config).
    Unavailable(String),
}

impl SkipReason {
    /// The short reason name used in reports and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Trap(_) => "trap",
            SkipReason::Timeout => "timeout",
            SkipReason::Memory => "memory",
            SkipReason::InvalidOutput(_) => "invalid-output",
            SkipReason::Unavailable(_) => "unavailable",
        }
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Trap(d) | SkipReason::InvalidOutput(d) | SkipReason::Unavailable(d) => {
                write!(f, "{}: {d}", self.kind())
            }
            SkipReason::Timeout | SkipReason::Memory => f.write_str(self.kind()),
        }
    }
}

/// What happened to one filter of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// It answered; `applied` are the labels that took effect.
    Ok,
    /// It failed and was skipped.
    Skipped(SkipReason),
    /// An earlier filter stopped the chain.
    NotRun,
}

/// One filter's part in a classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterReport {
    pub name: String,
    pub version: String,
    pub mode: FilterMode,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Labels the filter answered with, applied or not.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Keys of `labels` that took effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<String>,
    /// The filter asked to stop the chain.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stop: bool,
    /// The filter's explanation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Wall time of the call in microseconds.
    pub micros: u64,
    /// For a canary: whether this input was in its share (its labels were enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<bool>,
}

/// Labels a chain set for one input, with provenance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Classification {
    /// The final labels.
    pub labels: BTreeMap<String, String>,
    /// For each label, the filter that set it.
    pub provenance: BTreeMap<String, String>,
    /// Every filter of the chain, in order.
    pub filters: Vec<FilterReport>,
    /// The content hash of the chain that decided (`chain.toml` and every component).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub chain_version: String,
    /// When a canary's labels took effect: the labels the enforcing filters alone set,
    /// the answer the canary is measured against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BTreeMap<String, String>>,
}

impl Classification {
    /// The `blame` label, `Unknown` when absent.
    pub fn blame(&self) -> Blame {
        self.labels
            .get(BLAME)
            .and_then(|b| Blame::parse(b))
            .unwrap_or(Blame::Unknown)
    }

    /// The `category` label, when set.
    pub fn category(&self) -> Option<&str> {
        self.labels.get(CATEGORY).map(String::as_str)
    }
}
