//! The live chain: a classifier chain loaded from disk, reloaded when its files
//! change, and swapped in atomically.
//!
//! - A reload builds the complete new chain (compile through the cache,
//!   instantiate, every filter's `init`) off the hot path, then swaps it in;
//!   classifications in flight finish on the chain they started with.
//! - A chain that does not load, or has a filter that cannot load, never
//!   replaces the running one: the last good chain keeps serving and the error
//!   is kept (and logged once) until a later change loads.
//! - [`LiveChain::watch`] follows the directory with `notify`, debounced, and
//!   also notices the whole directory being replaced by a rename.

mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use faultline_engine::{Chain, ChainError, Engine, FilterInfo, FilterStats, SharedChain};
use serde::Serialize;

pub use watch::{WatchError, Watching};

/// Where a chain comes from.
#[derive(Debug, Clone)]
pub enum ChainSource {
    /// The default chain built into the binary (never changes).
    BuiltIn,
    /// A directory with a `chain.toml`, or the manifest file itself.
    Path(PathBuf),
}

impl std::fmt::Display for ChainSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainSource::BuiltIn => f.write_str("<built-in>"),
            ChainSource::Path(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Why a chain cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is missing or invalid.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A filter cannot be loaded (missing file, not a component, `init` refused).
    #[error("filter {filter}: {message}")]
    Filter { filter: String, message: String },
}

/// Loads the chain at `source` and refuses it when any filter cannot load: the check
/// a reload makes before a chain may replace the running one (`faultline chain check`
/// runs the same).
pub fn validate(engine: &Engine, source: &ChainSource) -> Result<Chain, LoadError> {
    let chain = match source {
        ChainSource::BuiltIn => faultline_builtin::chain(engine)?,
        ChainSource::Path(path) => {
            Chain::load_with(engine, path, Some(&faultline_builtin::builtins()))?
        }
    };
    if let Some(p) = chain.problems().into_iter().next() {
        return Err(LoadError::Filter {
            filter: p.filter,
            message: p.message,
        });
    }
    Ok(chain)
}

/// The version the chain at `source` has on disk now (what a reload would load),
/// without building it.
pub fn version_of(source: &ChainSource) -> Result<String, ChainError> {
    match source {
        ChainSource::BuiltIn => Ok(faultline_builtin::chain(&Engine::with_defaults()?)?
            .version()
            .to_owned()),
        ChainSource::Path(path) => Chain::version_of(path, Some(&faultline_builtin::builtins())),
    }
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The files hold the chain already running.
    Unchanged,
    /// A new chain is in place.
    Swapped { from: String, to: String },
}

/// A reload that was refused.
#[derive(Debug, Clone, Serialize)]
pub struct FailedReload {
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// The version of the refused files, when they could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why.
    pub error: String,
}

/// A filter of the running chain with its counters.
#[derive(Debug, Clone, Serialize)]
pub struct FilterStatus {
    #[serde(flatten)]
    pub info: FilterInfo,
    pub stats: FilterStats,
}

/// What `GET /api/v1/chain` shows.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    /// Where the chain comes from.
    pub source: String,
    /// The running chain's version.
    pub version: String,
    /// When it was loaded, in milliseconds since the Unix epoch.
    pub loaded_at_ms: i64,
    /// Its filters in order, with counters since it was loaded.
    pub filters: Vec<FilterStatus>,
    /// The last refused reload, until a later one succeeds.
    pub last_failed_reload: Option<FailedReload>,
    /// Reloads that swapped in a new chain.
    pub reloads_ok: u64,
    /// Reloads refused.
    pub reloads_failed: u64,
}

struct State {
    loaded_at_ms: i64,
    last_failed: Option<FailedReload>,
    reloads_ok: u64,
    reloads_failed: u64,
}

/// A chain that follows its files. Share it in an `Arc`.
pub struct LiveChain {
    engine: Engine,
    source: ChainSource,
    shared: SharedChain,
    state: Mutex<State>,
    /// Serialises reloads: a watcher and a SIGHUP never build two chains at once.
    reloading: Mutex<()>,
}

impl LiveChain {
    /// Loads and validates the chain; a chain that does not validate is an error here,
    /// since there is no last good chain to keep.
    pub fn open(engine: Engine, source: ChainSource) -> Result<Arc<LiveChain>, LoadError> {
        let source = match source {
            ChainSource::Path(p) => ChainSource::Path(std::path::absolute(&p).unwrap_or(p)),
            builtin => builtin,
        };
        let chain = validate(&engine, &source)?;
        tracing::info!(source = %source, version = chain.version(), "chain loaded");
        Ok(Arc::new(LiveChain {
            engine,
            source,
            shared: SharedChain::new(chain),
            state: Mutex::new(State {
                loaded_at_ms: now_ms(),
                last_failed: None,
                reloads_ok: 0,
                reloads_failed: 0,
            }),
            reloading: Mutex::new(()),
        }))
    }

    /// The handle classifiers read the current chain from.
    pub fn shared(&self) -> SharedChain {
        self.shared.clone()
    }

    /// The chain in use now.
    pub fn current(&self) -> Arc<Chain> {
        self.shared.current()
    }

    /// Where the chain comes from.
    pub fn source(&self) -> &ChainSource {
        &self.source
    }

    /// Reloads from the source when its files changed. The new chain replaces the
    /// running one only when every filter loads; otherwise the error is kept for
    /// [`LiveChain::status`], logged once per distinct content, and returned.
    pub fn reload(&self) -> Result<Reloaded, LoadError> {
        let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(self.source, ChainSource::BuiltIn) {
            return Ok(Reloaded::Unchanged);
        }
        let running = self.current().version().to_owned();
        let version = version_of(&self.source).ok();
        if version.as_deref() == Some(running.as_str()) {
            return Ok(Reloaded::Unchanged);
        }
        match validate(&self.engine, &self.source) {
            Ok(chain) => {
                let to = chain.version().to_owned();
                self.shared.replace(chain);
                let mut state = self.lock_state();
                state.loaded_at_ms = now_ms();
                state.last_failed = None;
                state.reloads_ok += 1;
                tracing::info!(source = %self.source, from = %running, %to, "chain reloaded");
                Ok(Reloaded::Swapped { from: running, to })
            }
            Err(e) => {
                let error = e.to_string();
                let mut state = self.lock_state();
                let repeated = state
                    .last_failed
                    .as_ref()
                    .is_some_and(|f| f.version == version && f.error == error);
                if !repeated {
                    state.reloads_failed += 1;
                    tracing::error!(source = %self.source, "chain not reloaded, keeping version {running}: {error}");
                }
                state.last_failed = Some(FailedReload {
                    at_ms: now_ms(),
                    version,
                    error,
                });
                Err(e)
            }
        }
    }

    /// The running chain, its filters with counters, and the last refused reload.
    pub fn status(&self) -> ChainStatus {
        let chain = self.current();
        let stats = chain.stats();
        let filters = chain
            .filters()
            .into_iter()
            .zip(stats)
            .map(|(info, (_, stats))| FilterStatus { info, stats })
            .collect();
        let state = self.lock_state();
        ChainStatus {
            source: self.source.to_string(),
            version: chain.version().to_owned(),
            loaded_at_ms: state.loaded_at_ms,
            filters,
            last_failed_reload: state.last_failed.clone(),
            reloads_ok: state.reloads_ok,
            reloads_failed: state.reloads_failed,
        }
    }

    /// Follows the chain's files: every change (debounced by `quiet`) triggers a
    /// [`LiveChain::reload`]. Stops when the returned guard is dropped. The built-in
    /// chain has nothing to follow.
    pub fn watch(self: &Arc<Self>, quiet: Duration) -> Result<Watching, WatchError> {
        watch::start(Arc::clone(self), quiet)
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The directories whose changes can change the chain at `path`: the manifest's, each
/// component's, and the parent of the chain directory (which sees it replaced by a
/// rename).
fn watched_dirs(path: &Path) -> Vec<PathBuf> {
    let manifest = if path.is_dir() {
        path.join("chain.toml")
    } else {
        path.to_owned()
    };
    let base = manifest.parent().map(Path::to_owned).unwrap_or_default();
    let mut dirs = vec![base.clone()];
    if let Some(parent) = base.parent() {
        dirs.push(parent.to_owned());
    }
    if let Ok((m, _)) = faultline_engine::Manifest::read(path) {
        for f in &m.filters {
            if let Some(dir) = base.join(&f.path).parent() {
                dirs.push(dir.to_owned());
            }
        }
    }
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    dirs.dedup();
    dirs
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
