//! Faultline's classifier chain for the Flink JobManager: a handle-based API
//! (open a chain directory → handle, classify one failure record → labels,
//! close) and its JNI bindings for the plugin's `dev.faultline.flink.NativeChain`.
//!
//! Inside a JVM the engine runs with signal-based traps off (the JVM's own
//! SIGSEGV handlers must stay in place), every JNI entry catches panics (a
//! Rust panic must never unwind into Java), and the chain directory is
//! watched as in `serve` (`faultline-live`): a changed chain is loaded and
//! swapped in, a broken one leaves the last good chain running.

mod jni_api;
mod slot;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use faultline_engine::{Engine, EngineConfig};
use faultline_model::FailureRecord;
use faultline_stacktrace::OriginRules;
use serde::Deserialize;

pub use slot::{ChainSlot, chain_version};

/// The label that carries the version (content hash) of the chain that decided.
pub const CHAIN_VERSION: &str = "chain-version";

/// Why a chain could not be opened or a record not classified.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The options handed over from Java are not valid JSON of the expected shape.
    #[error("invalid options: {0}")]
    Options(String),
    /// The WebAssembly engine could not start.
    #[error("cannot start the engine: {0}")]
    Engine(String),
    /// The chain directory could not be read or its manifest is broken.
    #[error("cannot load chain {}: {message}", path.display())]
    Chain {
        /// The chain directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The failure record is not valid.
    #[error("invalid failure record: {0}")]
    Record(String),
}

/// Options of [`Handle::open`], as JSON from the plugin (every key optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Options {
    /// Where compiled components are cached; the engine's default when absent.
    pub cache_dir: Option<PathBuf>,
    /// Package prefixes whose frames are user code when Java could not tell.
    pub user_packages: Vec<String>,
    /// How long the chain directory must be quiet after a change before it is reloaded,
    /// in milliseconds; 0 turns reloading off.
    pub reload_interval_ms: Option<u64>,
}

/// The default quiet time after a change of the chain directory before it is reloaded.
const DEFAULT_RELOAD: Duration = Duration::from_millis(200);

/// One open chain directory: the live chain and the origin rules for frames Java left unknown.
pub struct Handle {
    slot: ChainSlot,
    rules: OriginRules,
}

/// The engines of this process by cache directory: wasmtime engines are heavy and one suffices.
static ENGINES: Mutex<Vec<(Option<PathBuf>, Engine)>> = Mutex::new(Vec::new());

/// An engine configured for a JVM host (no signal handlers), shared per cache directory.
fn engine_for(cache_dir: Option<&Path>) -> Result<Engine, Error> {
    let mut engines = ENGINES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, e)) = engines.iter().find(|(d, _)| d.as_deref() == cache_dir) {
        return Ok(e.clone());
    }
    let mut config = EngineConfig {
        signals_based_traps: false,
        ..Default::default()
    };
    if let Some(dir) = cache_dir {
        config.cache_dir = Some(dir.to_path_buf());
    }
    let engine = Engine::new(config).map_err(|e| Error::Engine(e.to_string()))?;
    engines.push((cache_dir.map(Path::to_path_buf), engine.clone()));
    Ok(engine)
}

impl Handle {
    /// Loads the chain in `dir` and starts watching it (reloads are debounced by the interval).
    pub fn open(dir: &Path, options: &Options) -> Result<Handle, Error> {
        let engine = engine_for(options.cache_dir.as_deref())?;
        let interval = match options.reload_interval_ms {
            Some(0) => None,
            Some(ms) => Some(Duration::from_millis(ms)),
            None => Some(DEFAULT_RELOAD),
        };
        let slot = ChainSlot::open(engine, dir, interval)?;
        let mut rules = OriginRules::default();
        for p in &options.user_packages {
            rules = rules.with_user_prefix(p.clone());
        }
        Ok(Handle { slot, rules })
    }

    /// Opens with options given as JSON (`{}` or empty for defaults).
    pub fn open_json(dir: &Path, options: &str) -> Result<Handle, Error> {
        let options: Options = if options.trim().is_empty() {
            Options::default()
        } else {
            serde_json::from_str(options).map_err(|e| Error::Options(e.to_string()))?
        };
        Handle::open(dir, &options)
    }

    /// The version (content hash) of the chain in use.
    pub fn chain_version(&self) -> String {
        self.slot.current().version().to_owned()
    }

    /// Classifies a record: the chain's labels plus `chain-version`.
    pub fn classify(&self, mut record: FailureRecord) -> BTreeMap<String, String> {
        // Java decided user frames exactly; the prefix rules only fill in the rest.
        self.rules.apply(&mut record);
        let c = self.slot.current().classify(&record);
        let mut labels = c.labels;
        labels.insert(CHAIN_VERSION.to_owned(), c.chain_version);
        labels
    }

    /// Classifies a record given as JSON (the serde form of [`FailureRecord`]).
    pub fn classify_json(&self, json: &str) -> Result<BTreeMap<String, String>, Error> {
        let record = FailureRecord::from_json(json).map_err(|e| Error::Record(e.to_string()))?;
        Ok(self.classify(record))
    }
}

/// Sends this library's logs to stderr (the JobManager's `.out` file) once per process;
/// `FAULTLINE_LOG` filters them (default `info`).
pub fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_env("FAULTLINE_LOG")
            .unwrap_or_else(|_| "info".into());
        // A host that already set a subscriber keeps it.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false)
            .try_init();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_json() -> String {
        serde_json::json!({
            "context": {"job_name": "t", "failure_type": "task", "cluster": "ignored-if-unknown"},
            "throwables": [{
                "class": "java.lang.IllegalStateException",
                "message": "boom",
                "frames": [
                    {"class": "com.acme.jobs.FailingMap", "method": "map", "origin": "user"},
                    {"class": "org.apache.flink.streaming.api.operators.StreamMap", "method": "processElement"}
                ]
            }]
        })
        .to_string()
    }

    #[test]
    fn classifies_with_the_exported_default_chain() {
        let dir = tempfile::tempdir().unwrap();
        faultline_builtin::export(dir.path()).unwrap();
        let handle = Handle::open_json(dir.path(), r#"{"reload-interval-ms": 0}"#).unwrap();
        let labels = handle.classify_json(&record_json()).unwrap();
        assert_eq!(labels.get("blame").map(String::as_str), Some("user"));
        assert_eq!(
            labels.get(CHAIN_VERSION),
            Some(&handle.chain_version()),
            "{labels:?}"
        );
        assert!(handle.classify_json("{").is_err());
        assert!(matches!(
            Handle::open_json(dir.path(), r#"{"nope": 1}"#),
            Err(Error::Options(_))
        ));
        assert!(matches!(
            Handle::open_json(&dir.path().join("missing"), ""),
            Err(Error::Chain { .. })
        ));
    }
}
