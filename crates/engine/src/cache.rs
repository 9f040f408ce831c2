//! Compiled components cached on disk, keyed by the component's content hash
//! and the engine's compatibility hash, so a chain loads in milliseconds after
//! its first compilation and a changed file or engine never reuses stale code.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

/// A directory of `<key>.cwasm` files. Cache trouble is logged, never fatal.
pub(crate) struct CompileCache {
    dir: Option<PathBuf>,
    engine_hash: u64,
}

impl CompileCache {
    pub(crate) fn new(dir: Option<PathBuf>, engine: &wasmtime::Engine) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        CompileCache {
            dir,
            engine_hash: h.finish(),
        }
    }

    /// The component for `bytes`, from the cache when a valid entry exists.
    pub(crate) fn compile(
        &self,
        engine: &wasmtime::Engine,
        bytes: &[u8],
    ) -> Result<Component, String> {
        let Some(dir) = &self.dir else {
            return compile_fresh(engine, bytes);
        };
        let path = dir.join(format!("{}.cwasm", self.key(bytes)));
        if let Ok(cached) = std::fs::read(&path) {
            // Read into memory rather than mapping the file: a cache file
            // replaced or truncated under a mapping would crash the process.
            // SAFETY: the bytes were written by `Component::serialize` of an
            // engine with the same compatibility hash (part of the name). The
            // cache directory is trusted like the binary itself; wasmtime still
            // checks the header and refuses a mismatched or truncated entry.
            match unsafe { Component::deserialize(engine, &cached) } {
                Ok(c) => return Ok(c),
                Err(e) => {
                    tracing::warn!(path = %path.display(), "dropping unusable cache entry: {e:#}")
                }
            }
        }
        let component = compile_fresh(engine, bytes)?;
        if let Err(e) = store(&path, &component) {
            tracing::warn!(path = %path.display(), "cannot cache compiled filter: {e}");
        }
        Ok(component)
    }

    fn key(&self, bytes: &[u8]) -> String {
        let digest = Sha256::new()
            .chain_update(bytes)
            .chain_update(self.engine_hash.to_le_bytes())
            .finalize();
        hex::encode(digest)
    }
}

fn compile_fresh(engine: &wasmtime::Engine, bytes: &[u8]) -> Result<Component, String> {
    Component::new(engine, bytes).map_err(|e| format!("not a valid WebAssembly component: {e:#}"))
}

/// Writes atomically: a reader never sees a half-written entry.
fn store(path: &Path, component: &Component) -> std::io::Result<()> {
    let bytes = component.serialize().map_err(std::io::Error::other)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name().map_or("x".into(), |n| n.to_string_lossy())
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
