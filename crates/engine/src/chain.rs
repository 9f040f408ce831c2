//! A loaded chain: filters in manifest order, run over records and samples.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use faultline_model::{
    Classification, FailureContext, FailureRecord, FilterMode, RecordLimits, SkipReason,
    StuckSample,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    /// For a canary: the share of jobs it is enforced for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_percent: Option<f64>,
    pub on_error: &'static str,
    /// May it replace labels set by earlier filters?
    pub overwrite: bool,
    /// The built-in filter it is, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
    pub loaded: bool,
    /// Why it could not be loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
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
    /// Median call time, in microseconds (to a histogram bucket's upper bound).
    pub p50_micros: u64,
    /// 99th percentile call time, in microseconds.
    pub p99_micros: u64,
}

/// Buckets of the call-time histogram: four per power of two of microseconds.
const TIME_BUCKETS: usize = 96;

#[derive(Default)]
struct Counters {
    outcomes: [AtomicU64; 7],
    times: Times,
}

/// A log-scale histogram of call times, lock-free.
struct Times([AtomicU64; TIME_BUCKETS]);

impl Default for Times {
    fn default() -> Self {
        Times(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl Times {
    fn bucket(micros: u64) -> usize {
        let x = (micros + 1) as f64;
        ((x.log2() * 4.0) as usize).min(TIME_BUCKETS - 1)
    }

    /// The upper bound of bucket `i`, in microseconds.
    fn upper(i: usize) -> u64 {
        (2f64.powf((i + 1) as f64 / 4.0) - 1.0).ceil() as u64
    }

    fn record(&self, micros: u64) {
        self.0[Self::bucket(micros)].fetch_add(1, Ordering::Relaxed);
    }

    fn quantile(&self, q: f64) -> u64 {
        let counts: Vec<u64> = self.0.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0;
        }
        let rank = ((total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::upper(i);
            }
        }
        Self::upper(TIME_BUCKETS - 1)
    }
}

impl Counters {
    fn count(&self, result: &Result<Verdict, SkipReason>, micros: u64) {
        let slot = match result {
            Ok(_) => 1,
            Err(SkipReason::Trap(_)) => 2,
            Err(SkipReason::Timeout) => 3,
            Err(SkipReason::Memory) => 4,
            Err(SkipReason::InvalidOutput(_)) => 5,
            Err(SkipReason::Unavailable(_)) => 6,
        };
        self.outcomes[0].fetch_add(1, Ordering::Relaxed);
        self.outcomes[slot].fetch_add(1, Ordering::Relaxed);
        if !matches!(result, Err(SkipReason::Unavailable(_))) {
            self.times.record(micros);
        }
    }

    fn snapshot(&self) -> FilterStats {
        let n = |i: usize| self.outcomes[i].load(Ordering::Relaxed);
        FilterStats {
            calls: n(0),
            ok: n(1),
            trap: n(2),
            timeout: n(3),
            memory: n(4),
            invalid_output: n(5),
            unavailable: n(6),
            p50_micros: self.times.quantile(0.5),
            p99_micros: self.times.quantile(0.99),
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
    version: String,
}

/// Whether a canary's labels apply to one input: the caller's choice, or by job.
#[derive(Clone, Copy)]
enum Treatment<'a> {
    /// By a stable hash of (cluster, job id); no job means out of every canary.
    Job(Option<(&'a str, &'a str)>),
    /// Every canary runs as shadow (the enforced answer a canary is measured against).
    Baseline,
}

impl Treatment<'_> {
    fn canary_in(&self, spec: &FilterSpec) -> bool {
        let (Treatment::Job(Some((cluster, job))), Some(percent)) = (self, spec.canary_percent)
        else {
            return false;
        };
        canary_bucket(&spec.name, cluster, job) < (percent * 100.0).round() as u64
    }
}

/// Filters shipped with the host, which a manifest may name (`builtin = "origin"`).
pub struct Builtins {
    /// Their manifest: order, paths and default configs.
    pub manifest: Manifest,
    /// A component's bytes by its file name.
    pub component: fn(&str) -> Option<&'static [u8]>,
}

/// The manifest at `path` with its built-in references expanded, and its directory.
fn resolved(path: &Path, builtins: Option<&Builtins>) -> Result<(Manifest, PathBuf), ChainError> {
    let (mut manifest, base) = Manifest::read(path)?;
    if let Some(b) = builtins {
        manifest.expand_builtins(&b.manifest)?;
    }
    Ok((manifest, base))
}

/// A component's bytes: built in, or read from the manifest's directory.
fn read_component(
    base: &Path,
    spec: &FilterSpec,
    builtins: Option<&Builtins>,
) -> Result<Vec<u8>, String> {
    if spec.builtin.is_some() {
        let file = spec.path.to_string_lossy();
        return builtins
            .and_then(|b| (b.component)(&file))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("no built-in component {file}"));
    }
    let file: PathBuf = base.join(&spec.path);
    std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Adds one component (or why it is missing) to a chain's version.
fn hash_component(version: &mut Sha256, bytes: &Result<Vec<u8>, String>) {
    match bytes {
        Ok(b) => version.update(Sha256::digest(b)),
        Err(e) => version.update(format!("unreadable:{e}")),
    }
}

/// A job's bucket (0..10 000) for a canary filter: stable across processes, versions
/// and machines (a SHA-256, not Rust's hasher), so the embedded plugin and `serve`
/// give a job the same treatment. Raising the percentage only adds jobs.
pub fn canary_bucket(filter: &str, cluster: &str, job: &str) -> u64 {
    let digest = Sha256::new()
        .chain_update(filter.as_bytes())
        .chain_update([0])
        .chain_update(cluster.as_bytes())
        .chain_update([0])
        .chain_update(job.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 10_000
}

fn subject(context: &FailureContext) -> Option<(&str, &str)> {
    Some((
        context.cluster.as_deref().unwrap_or(""),
        context.job_id.as_deref()?,
    ))
}

impl Chain {
    /// Loads `path`: a directory with `chain.toml`, or a manifest file.
    /// A broken manifest refuses the chain; a filter that cannot load is
    /// reported in [`Chain::problems`] and skipped when classifying.
    pub fn load(engine: &Engine, path: &Path) -> Result<Chain, ChainError> {
        Chain::load_with(engine, path, None)
    }

    /// As [`Chain::load`], with `builtins` for entries that name a built-in filter.
    pub fn load_with(
        engine: &Engine,
        path: &Path,
        builtins: Option<&Builtins>,
    ) -> Result<Chain, ChainError> {
        let (manifest, base) = resolved(path, builtins)?;
        Ok(Chain::from_manifest(engine, manifest, |spec| {
            read_component(&base, spec, builtins)
        }))
    }

    /// The version [`Chain::load_with`] would give the chain at `path` now, without
    /// building it: cheap enough to tell a changed chain from an unchanged one.
    pub fn version_of(path: &Path, builtins: Option<&Builtins>) -> Result<String, ChainError> {
        let (manifest, base) = resolved(path, builtins)?;
        let mut version = Sha256::new().chain_update(manifest.digest());
        for spec in &manifest.filters {
            hash_component(&mut version, &read_component(&base, spec, builtins));
        }
        Ok(hex::encode(&version.finalize()[..6]))
    }

    /// Builds a chain from a parsed manifest, reading each filter's bytes with `read`.
    pub fn from_manifest(
        engine: &Engine,
        manifest: Manifest,
        read: impl Fn(&FilterSpec) -> Result<Vec<u8>, String>,
    ) -> Chain {
        let defaults = manifest.defaults.over(Limits::default());
        let mut version = Sha256::new().chain_update(manifest.digest());
        let members = manifest
            .filters
            .into_iter()
            .map(|spec| {
                let limits = spec.limits.over(defaults);
                let bytes = read(&spec);
                hash_component(&mut version, &bytes);
                let runner = bytes
                    .and_then(|bytes| Runner::load(engine, &bytes, spec.config_json(), limits));
                if let Err(message) = &runner {
                    tracing::debug!(filter = %spec.name, "filter unavailable: {message}");
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
            version: hex::encode(&version.finalize()[..6]),
        }
    }

    /// The chain's version: a content hash of its manifest and every component it names.
    pub fn version(&self) -> &str {
        &self.version
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
                canary_percent: m.spec.canary_percent,
                on_error: match m.spec.on_error {
                    FailPolicy::Open => "open",
                    FailPolicy::Closed => "closed",
                },
                overwrite: m.spec.overwrite,
                builtin: m.spec.builtin.clone(),
                loaded: m.runner.is_ok(),
                problem: m.runner.as_ref().err().cloned(),
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

    /// Classifies a failure. Never fails: filter trouble shows in the reports. Canary
    /// filters apply by the record's cluster and job id.
    pub fn classify(&self, record: &FailureRecord) -> Classification {
        let record = self.within_limits(record);
        let mut input = encode::failure(&record);
        self.run_with_baseline(subject(&record.context), |runner, labels| {
            runner.classify(input.with_labels(labels))
        })
    }

    /// Classifies a stuck sample.
    pub fn classify_stuck(&self, sample: &StuckSample) -> Classification {
        let mut input = encode::stuck(sample);
        self.run_with_baseline(subject(&sample.context), |runner, labels| {
            runner.classify_stuck(input.with_labels(labels))
        })
    }

    /// Runs the chain for `job`; when a canary's labels took effect, runs it once more
    /// with every canary as shadow, so the canary can be measured against the answer
    /// the enforcing filters give on their own (failures are rare; the second run is
    /// not counted in the filters' statistics).
    fn run_with_baseline(
        &self,
        job: Option<(&str, &str)>,
        mut call: impl FnMut(&Runner, &[(String, String)]) -> Result<Verdict, SkipReason>,
    ) -> Classification {
        let mut c = self.run(Treatment::Job(job), &mut call);
        if c.filters
            .iter()
            .any(|f| f.canary == Some(true) && (!f.applied.is_empty() || f.stop))
        {
            c.baseline = Some(self.run(Treatment::Baseline, &mut call).labels);
        }
        c
    }

    fn run(
        &self,
        treatment: Treatment<'_>,
        call: &mut impl FnMut(&Runner, &[(String, String)]) -> Result<Verdict, SkipReason>,
    ) -> Classification {
        let mut merger = Merger::default();
        let counted = matches!(treatment, Treatment::Job(_));
        // One clock reading per filter: each call ends where the next starts.
        let mut started = Instant::now();
        for m in &self.members {
            let canary_in =
                (m.spec.mode == FilterMode::Canary).then(|| treatment.canary_in(&m.spec));
            if !merger.runs(&m.spec, canary_in) {
                merger.not_run(&m.spec, canary_in);
                continue;
            }
            let result = match &m.runner {
                Ok(runner) => call(runner, &merger.labels),
                Err(message) => Err(SkipReason::Unavailable(message.clone())),
            };
            let ended = Instant::now();
            let micros = u64::try_from((ended - started).as_micros()).unwrap_or(u64::MAX);
            started = ended;
            if counted {
                m.counters.count(&result, micros);
            }
            merger.add(&m.spec, canary_in, result, micros);
        }
        let mut c = merger.finish();
        c.chain_version = self.version.clone();
        c
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
