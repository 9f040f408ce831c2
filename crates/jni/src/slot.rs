//! The swap point of the live chain: the chain in use behind an `Arc`, replaced
//! atomically when the directory's content changes and the new chain loads cleanly.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use faultline_engine::{Chain, Engine};
use sha2::{Digest, Sha256};

use crate::Error;

/// A loaded chain and the content hash it was loaded from.
pub struct Loaded {
    /// The chain.
    pub chain: Chain,
    /// The content hash of the directory it came from (see [`chain_version`]).
    pub version: String,
}

/// The chain in use for one directory, reloaded when the directory changes.
pub struct ChainSlot {
    engine: Engine,
    dir: PathBuf,
    current: RwLock<Arc<Loaded>>,
}

/// The version of a chain directory: the first 12 hex digits of a SHA-256 over
/// its files' names and contents, in name order (so any edit changes it).
pub fn chain_version(dir: &Path) -> std::io::Result<String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut hash = Sha256::new();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        hash.update(name.unwrap_or_default().as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(&path)?);
        hash.update([0]);
    }
    Ok(hex::encode(&hash.finalize()[..6]))
}

fn load(engine: &Engine, dir: &Path) -> Result<Loaded, Error> {
    let chain_err = |message: String| Error::Chain {
        path: dir.to_path_buf(),
        message,
    };
    let version = chain_version(dir).map_err(|e| chain_err(e.to_string()))?;
    let chain = Chain::load(engine, dir).map_err(|e| chain_err(e.to_string()))?;
    Ok(Loaded { chain, version })
}

impl ChainSlot {
    /// Loads `dir` and, with an interval, starts a thread that reloads it on change
    /// (the thread ends when the slot is dropped).
    pub fn open(
        engine: Engine,
        dir: &Path,
        interval: Option<Duration>,
    ) -> Result<Arc<ChainSlot>, Error> {
        let loaded = load(&engine, dir)?;
        for p in loaded.chain.problems() {
            tracing::warn!(filter = %p.filter, "chain {}: filter unavailable: {}", dir.display(), p.message);
        }
        tracing::info!(chain = %dir.display(), version = %loaded.version, "chain loaded");
        let slot = Arc::new(ChainSlot {
            engine,
            dir: dir.to_path_buf(),
            current: RwLock::new(Arc::new(loaded)),
        });
        if let Some(interval) = interval {
            let weak = Arc::downgrade(&slot);
            let spawned = std::thread::Builder::new()
                .name("faultline-chain-watch".into())
                .spawn(move || watch(weak, interval));
            if let Err(e) = spawned {
                tracing::error!("cannot start the chain watcher, the chain will not reload: {e}");
            }
        }
        Ok(slot)
    }

    /// The chain in use now.
    pub fn current(&self) -> Arc<Loaded> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Reloads when the directory's content changed; a chain that does not load
    /// cleanly (broken manifest, a filter that cannot load) keeps the last good one.
    /// Returns true when a new chain was swapped in.
    pub fn reload_if_changed(&self) -> bool {
        let version = match chain_version(&self.dir) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(chain = %self.dir.display(), "cannot read the chain directory, keeping the chain in use: {e}");
                return false;
            }
        };
        let current = self.current();
        if version == current.version {
            return false;
        }
        match load(&self.engine, &self.dir) {
            Ok(loaded) if loaded.chain.problems().is_empty() => {
                tracing::info!(chain = %self.dir.display(), from = %current.version, to = %loaded.version, "chain reloaded");
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(loaded);
                true
            }
            Ok(loaded) => {
                let problems: Vec<String> = loaded
                    .chain
                    .problems()
                    .into_iter()
                    .map(|p| format!("{}: {}", p.filter, p.message))
                    .collect();
                tracing::error!(chain = %self.dir.display(), version = %loaded.version, "changed chain has filters that cannot load, keeping {}: {}", current.version, problems.join("; "));
                false
            }
            Err(e) => {
                tracing::error!("changed chain refused, keeping {}: {e}", current.version);
                false
            }
        }
    }
}

fn watch(slot: Weak<ChainSlot>, interval: Duration) {
    let mut refused: Option<String> = None;
    loop {
        std::thread::sleep(interval);
        let Some(slot) = slot.upgrade() else { return };
        // A refused version is not retried (and re-logged) every tick: only a new edit is.
        let now = chain_version(&slot.dir).ok();
        if now.is_some() && now == refused {
            continue;
        }
        if !slot.reload_if_changed() && now.as_deref() != Some(slot.current().version.as_str()) {
            refused = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_chain_is_swapped_and_a_broken_one_keeps_the_last_good() {
        let dir = tempfile::tempdir().unwrap();
        faultline_builtin::export(dir.path()).unwrap();
        let engine = crate::engine_for(None).unwrap();
        let slot = ChainSlot::open(engine, dir.path(), None).unwrap();
        let first = slot.current().version.clone();
        assert!(!slot.reload_if_changed());

        let fixed = std::fs::read(faultline_test_filters::FIXED).unwrap();
        std::fs::write(dir.path().join("fixed.wasm"), fixed).unwrap();
        let manifest = "[[filter]]\nname = \"fixed\"\npath = \"fixed.wasm\"\nversion = \"1\"\n[filter.config.labels]\nblame = \"system\"\ncategory = \"swapped\"\n";
        std::fs::write(dir.path().join("chain.toml"), manifest).unwrap();
        assert!(slot.reload_if_changed());
        let second = slot.current();
        assert_ne!(second.version, first);
        let c = second
            .chain
            .classify(&faultline_test_filters::sample_record());
        assert_eq!(
            c.labels.get("category").map(String::as_str),
            Some("swapped")
        );

        std::fs::write(dir.path().join("chain.toml"), "[[filter]\nbroken").unwrap();
        assert!(!slot.reload_if_changed());
        assert_eq!(slot.current().version, second.version);
        let missing = manifest.replace("fixed.wasm", "gone.wasm");
        std::fs::write(dir.path().join("chain.toml"), missing).unwrap();
        assert!(!slot.reload_if_changed());
        assert_eq!(slot.current().version, second.version);
    }
}
