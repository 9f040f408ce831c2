//! Shared by the collector's tests.

use std::path::Path;

use faultline_collector::Classifier;

/// The built-in chain, compiled once into the test target's cache.
pub fn classifier() -> Classifier {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache");
    let engine = faultline_engine::Engine::new(faultline_engine::EngineConfig {
        cache_dir: Some(cache),
        ..faultline_engine::EngineConfig::default()
    })
    .expect("engine");
    Classifier::new(
        faultline_builtin::chain(&engine).expect("chain"),
        Default::default(),
    )
}
