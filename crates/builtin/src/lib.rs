//! The default chain shipped inside Faultline: the filters of `plugins/`,
//! compiled to components at build time, and their manifest. `faultline`
//! runs it whenever no `--chain` is given.

use std::path::Path;

use faultline_engine::{Builtins, Chain, ChainError, Engine, Manifest};

include!(concat!(env!("OUT_DIR"), "/components.rs"));

/// The default chain's manifest (`plugins/chain.toml`).
pub const MANIFEST: &str = include_str!("../../../plugins/chain.toml");

/// The bytes of a built-in component by file name (`origin.wasm`).
pub fn component(file: &str) -> Option<&'static [u8]> {
    COMPONENTS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, bytes)| *bytes)
}

fn manifest() -> Result<Manifest, ChainError> {
    Manifest::parse(MANIFEST, Path::new("<built-in>/chain.toml"))
}

/// Loads the default chain.
pub fn chain(engine: &Engine) -> Result<Chain, ChainError> {
    Ok(Chain::from_manifest(engine, manifest()?, |spec| {
        let file = spec.path.to_string_lossy();
        component(&file)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("no built-in component {file}"))
    }))
}

/// The built-in filters, for manifests that name them (`builtin = "origin"`, `builtin = "*"`).
pub fn builtins() -> Builtins {
    Builtins {
        // The built-in manifest is part of the binary and checked by its tests.
        manifest: manifest().unwrap_or_default(),
        component,
    }
}

/// Writes the default chain (manifest and components) to `dir`, to start a chain of one's own.
pub fn export(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("chain.toml"), MANIFEST)?;
    for (name, bytes) in COMPONENTS {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifest_entry_is_built_in_and_loads() {
        let engine = Engine::with_defaults().unwrap();
        let chain = chain(&engine).unwrap();
        assert!(chain.problems().is_empty(), "{:?}", chain.problems());
        assert!(chain.filters().len() >= 3);
    }
}
