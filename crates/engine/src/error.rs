//! Errors of loading a chain. Running a chain never fails: filter failures are outcomes.

use std::path::PathBuf;

/// Why a chain could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("cannot read chain manifest {path}: {source}")]
    ReadManifest {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid chain manifest {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    #[error("cannot start the WebAssembly engine: {0}")]
    Engine(String),
}
