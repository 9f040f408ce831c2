//! A chain that can be replaced while it is in use: every classification runs on
//! the chain it started with, every later one on the newest.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::chain::Chain;

/// A handle to the current chain, shared by every thread that classifies; cheap to
/// clone. Replacing the chain is atomic: a reader sees the old chain or the new one,
/// never a mix, and never waits.
#[derive(Clone)]
pub struct SharedChain {
    current: Arc<ArcSwap<Chain>>,
}

impl SharedChain {
    /// A handle starting with `chain`.
    pub fn new(chain: Chain) -> SharedChain {
        SharedChain {
            current: Arc::new(ArcSwap::from_pointee(chain)),
        }
    }

    /// The chain to classify with now; keep the `Arc` for the whole classification.
    pub fn current(&self) -> Arc<Chain> {
        self.current.load_full()
    }

    /// Puts `chain` in place and returns the one it replaces.
    pub fn replace(&self, chain: Chain) -> Arc<Chain> {
        self.current.swap(Arc::new(chain))
    }
}

impl From<Chain> for SharedChain {
    fn from(chain: Chain) -> Self {
        SharedChain::new(chain)
    }
}
