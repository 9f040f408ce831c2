//! The process-wide engine: wasmtime configuration, the linker every filter
//! instantiates against, the epoch ticker behind time budgets, and the
//! compiled-component cache.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use faultline_model::RecordLimits;
use wasmtime::component::{Component, Linker};

use crate::cache::CompileCache;
use crate::error::ChainError;
use crate::sandbox::HostState;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where compiled components are cached; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    /// How often the epoch advances; time budgets are counted in these ticks.
    pub epoch_tick: Duration,
    /// Use signal handlers for traps. Turn off inside a JVM, whose own
    /// handlers must stay in place (bounds are then checked explicitly).
    pub signals_based_traps: bool,
    /// Size limits records are cut to before they reach filters.
    pub record_limits: RecordLimits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            cache_dir: default_cache_dir(),
            epoch_tick: Duration::from_millis(1),
            signals_based_traps: true,
            record_limits: RecordLimits::default(),
        }
    }
}

/// `$FAULTLINE_CACHE_DIR`, else `$XDG_CACHE_HOME/faultline/wasm`, else `~/.cache/faultline/wasm`.
fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FAULTLINE_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("faultline").join("wasm"))
}

/// The shared wasmtime engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    wasmtime: wasmtime::Engine,
    linker: Linker<HostState>,
    cache: CompileCache,
    config: EngineConfig,
    ticker_stop: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl Engine {
    /// Starts an engine with `config`, including its epoch ticker thread.
    pub fn new(config: EngineConfig) -> Result<Engine, ChainError> {
        let engine_err = |e: wasmtime::Error| ChainError::Engine(format!("{e:#}"));
        let mut wasm = wasmtime::Config::new();
        wasm.epoch_interruption(true)
            .signals_based_traps(config.signals_based_traps)
            .wasm_component_model(true);
        let wasmtime = wasmtime::Engine::new(&wasm).map_err(engine_err)?;
        let mut linker = Linker::new(&wasmtime);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(engine_err)?;

        let ticker_stop = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&ticker_stop);
        let ticking = wasmtime.clone();
        let tick = config.epoch_tick;
        std::thread::Builder::new()
            .name("faultline-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    ticking.increment_epoch();
                }
            })
            .map_err(|e| ChainError::Engine(format!("cannot start the epoch ticker: {e}")))?;

        let cache = CompileCache::new(config.cache_dir.clone(), &wasmtime);
        Ok(Engine {
            inner: Arc::new(Inner {
                wasmtime,
                linker,
                cache,
                config,
                ticker_stop,
            }),
        })
    }

    /// An engine with the default configuration.
    pub fn with_defaults() -> Result<Engine, ChainError> {
        Engine::new(EngineConfig::default())
    }

    pub(crate) fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.wasmtime
    }

    pub(crate) fn linker(&self) -> &Linker<HostState> {
        &self.inner.linker
    }

    pub(crate) fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Compiles `bytes` (or loads the cached compilation) into a component.
    pub(crate) fn compile(&self, bytes: &[u8]) -> Result<Component, String> {
        self.inner.cache.compile(&self.inner.wasmtime, bytes)
    }
}
