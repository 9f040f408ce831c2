//! A loaded chain: filters in manifest order, run over records and samples.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use faultline_model::{
    Classification, FailureRecord, FilterMode, RecordLimits, SkipReason, StuckSample,
};
use serde::Serialize;

use crate::encode;
use crate::engine::Engine;
use crate::error::ChainError;
use crate::filter::{Runner, Verdict};
use crate::manifest::{FailPolicy, FilterSpec, Limits, Manifest};
use crate::merge::Merger;

/// A filter that could not be loaded; the chain runs without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadProblem {
    pub filter: String,
    pub message: String,
}

/// A chain member as seen from outside.
#[derive(Debug, Clone, Serialize)]
pub struct FilterInfo {
    pub name: String,
    pub version: String,
    pub mode: FilterMode,
    pub on_error: &'static str,
    pub loaded: bool,
}

/// Counters of one filter since the chain was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FilterStats {
    pub calls: u64,
    pub ok: u64,
    pub trap: u64,
    pub timeout: u64,
    pub memory: u64,
    pub invalid_output: u64,
    pub unavailable: u64,
}

#[derive(Default)]
struct Counters([AtomicU64; 7]);

impl Counters {
    fn count(&self, result: &Result<Verdict, SkipReason>) {
        let slot = match result {
            Ok(_) => 1,
            Err(SkipReason::Trap(_)) => 2,
            Err(SkipReason::Timeout) => 3,
            Err(SkipReason::Memory) => 4,
            Err(SkipReason::InvalidOutput(_)) => 5,
            Err(SkipReason::Unavailable(_)) => 6,
        };
        self.0[0].fetch_add(1, Ordering::Relaxed);
        self.0[slot].fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> FilterStats {
        let n = |i: usize| self.0[i].load(Ordering::Relaxed);
        FilterStats {
            calls: n(0),
            ok: n(1),
            trap: n(2),
            timeout: n(3),
            memory: n(4),
            invalid_output: n(5),
            unavailable: n(6),
        }
    }
}

struct Member {
    spec: FilterSpec,
    runner: Result<Runner, String>,
    counters: Counters,
}

/// An ordered chain of filters. Classifying takes `&self`: share it between threads.
pub struct Chain {
    members: Vec<Member>,
    record_limits: RecordLimits,
}

impl Chain {
    /// Loads `path`: a directory with `chain.toml`, or a manifest file.
    /// A broken manifest refuses the chain; a filter that cannot load is
    /// reported in [`Chain::problems`] and skipped when classifying.
    pub fn load(engine: &Engine, path: &Path) -> Result<Chain, ChainError> {
        let (manifest, base) = Manifest::read(path)?;
        Ok(Chain::from_manifest(engine, manifest, |spec| {
            let file: PathBuf = base.join(&spec.path);
            std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
        }))
    }

    /// Builds a chain from a parsed manifest, reading each filter's bytes with `read`.
    pub fn from_manifest(
        engine: &Engine,
        manifest: Manifest,
        read: impl Fn(&FilterSpec) -> Result<Vec<u8>, String>,
    ) -> Chain {
        let defaults = manifest.defaults.over(Limits::default());
        let members = manifest
            .filters
            .into_iter()
            .map(|spec| {
                let limits = spec.limits.over(defaults);
                let runner = read(&spec)
                    .and_then(|bytes| Runner::load(engine, &bytes, spec.config_json(), limits));
                if let Err(message) = &runner {
                    tracing::warn!(filter = %spec.name, "filter unavailable: {message}");
                }
                Member {
                    spec,
                    runner,
                    counters: Counters::default(),
                }
            })
            .collect();
        Chain {
            members,
            record_limits: engine.config().record_limits,
        }
    }

    /// Filters that could not be loaded.
    pub fn problems(&self) -> Vec<LoadProblem> {
        self.members
            .iter()
            .filter_map(|m| {
                m.runner.as_ref().err().map(|e| LoadProblem {
                    filter: m.spec.name.clone(),
                    message: e.clone(),
                })
            })
            .collect()
    }

    /// The chain's filters in order.
    pub fn filters(&self) -> Vec<FilterInfo> {
        self.members
            .iter()
            .map(|m| FilterInfo {
                name: m.spec.name.clone(),
                version: m.spec.version.clone(),
                mode: m.spec.mode,
                on_error: match m.spec.on_error {
                    FailPolicy::Open => "open",
                    FailPolicy::Closed => "closed",
                },
                loaded: m.runner.is_ok(),
            })
            .collect()
    }

    /// Per-filter counters since load, in chain order.
    pub fn stats(&self) -> Vec<(String, FilterStats)> {
        self.members
            .iter()
            .map(|m| (m.spec.name.clone(), m.counters.snapshot()))
            .collect()
    }

    /// Classifies a failure. Never fails: filter trouble shows in the reports.
    pub fn classify(&self, record: &FailureRecord) -> Classification {
        let record = self.within_limits(record);
        let mut input = encode::failure(&record);
        self.run(|runner, labels| runner.classify(input.with_labels(labels)))
    }

    /// Classifies a stuck sample.
    pub fn classify_stuck(&self, sample: &StuckSample) -> Classification {
        let mut input = encode::stuck(sample);
        self.run(|runner, labels| runner.classify_stuck(input.with_labels(labels)))
    }

    fn run(
        &self,
        mut call: impl FnMut(&Runner, &[(String, String)]) -> Result<Verdict, SkipReason>,
    ) -> Classification {
        let mut merger = Merger::default();
        // One clock reading per filter: each call ends where the next starts.
        let mut started = Instant::now();
        for m in &self.members {
            if !merger.runs(&m.spec) {
                merger.not_run(&m.spec);
                continue;
            }
            let result = match &m.runner {
                Ok(runner) => call(runner, &merger.labels),
                Err(message) => Err(SkipReason::Unavailable(message.clone())),
            };
            let ended = Instant::now();
            let micros = u64::try_from((ended - started).as_micros()).unwrap_or(u64::MAX);
            started = ended;
            m.counters.count(&result);
            merger.add(&m.spec, result, micros);
        }
        merger.finish()
    }

    /// The record itself, or a copy cut to the engine's limits.
    fn within_limits<'a>(&self, record: &'a FailureRecord) -> Cow<'a, FailureRecord> {
        if record.fits(&self.record_limits) {
            return Cow::Borrowed(record);
        }
        let mut cut = record.clone();
        cut.truncate(&self.record_limits);
        Cow::Owned(cut)
    }
}
