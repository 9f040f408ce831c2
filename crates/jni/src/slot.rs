//! The chain in use, from `faultline-live`: reloaded when the directory's files change
//! (notify, debounced), swapped in atomically, the last good chain kept on a bad change.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use faultline_engine::{Chain, Engine};
use faultline_live::{ChainSource, LiveChain, Watching};

use crate::Error;

/// The live chain of one directory and the watcher that keeps it current.
pub struct ChainSlot {
    live: Arc<LiveChain>,
    _watching: Option<Watching>,
}

/// The version of a chain directory: the content hash of `chain.toml` and every component,
/// as the engine computes it (the `chain-version` label).
pub fn chain_version(dir: &Path) -> Result<String, Error> {
    faultline_live::version_of(&ChainSource::Path(dir.to_path_buf())).map_err(|e| Error::Chain {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })
}

impl ChainSlot {
    /// Loads `dir` and, with a debounce interval, watches it (until the slot is dropped).
    pub fn open(engine: Engine, dir: &Path, quiet: Option<Duration>) -> Result<ChainSlot, Error> {
        let live = LiveChain::open(engine, ChainSource::Path(dir.to_path_buf())).map_err(|e| {
            Error::Chain {
                path: dir.to_path_buf(),
                message: e.to_string(),
            }
        })?;
        let watching = match quiet {
            Some(quiet) => match live.watch(quiet) {
                Ok(w) => Some(w),
                Err(e) => {
                    tracing::error!(chain = %dir.display(), "cannot watch the chain, it will not reload: {e}");
                    None
                }
            },
            None => None,
        };
        Ok(ChainSlot {
            live,
            _watching: watching,
        })
    }

    /// The chain in use now.
    pub fn current(&self) -> Arc<Chain> {
        self.live.current()
    }

    /// Reloads now when the files changed; true when a new chain was swapped in.
    pub fn reload_if_changed(&self) -> bool {
        matches!(
            self.live.reload(),
            Ok(faultline_live::Reloaded::Swapped { .. })
        )
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
        let first = slot.current().version().to_owned();
        assert_eq!(chain_version(dir.path()).unwrap(), first);
        assert!(!slot.reload_if_changed());

        let fixed = std::fs::read(faultline_test_filters::FIXED).unwrap();
        std::fs::write(dir.path().join("fixed.wasm"), fixed).unwrap();
        let manifest = "[[filter]]\nname = \"fixed\"\npath = \"fixed.wasm\"\nversion = \"1\"\n[filter.config.labels]\nblame = \"system\"\ncategory = \"swapped\"\n";
        std::fs::write(dir.path().join("chain.toml"), manifest).unwrap();
        assert!(slot.reload_if_changed());
        let second = slot.current();
        assert_ne!(second.version(), first);
        let c = second.classify(&faultline_test_filters::sample_record());
        assert_eq!(
            c.labels.get("category").map(String::as_str),
            Some("swapped")
        );

        std::fs::write(dir.path().join("chain.toml"), "[[filter]\nbroken").unwrap();
        assert!(!slot.reload_if_changed());
        assert_eq!(slot.current().version(), second.version());
        let missing = manifest.replace("fixed.wasm", "gone.wasm");
        std::fs::write(dir.path().join("chain.toml"), missing).unwrap();
        assert!(!slot.reload_if_changed());
        assert_eq!(slot.current().version(), second.version());
    }
}
