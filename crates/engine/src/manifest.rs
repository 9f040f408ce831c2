//! The chain manifest: which filters run, in which order, with which limits.
//!
//! ```toml
//! [defaults]            # optional; limits for every filter
//! timeout-ms = 5
//! memory-mib = 16
//!
//! [[filter]]
//! name = "origin"
//! path = "origin.wasm"  # relative to the manifest
//! version = "0.1.0"
//! mode = "enforce"      # "shadow": run and record, never apply; "canary": enforce
//! canary-percent = 10   #   for a stable 10 % of jobs, shadow for the rest
//! on-error = "open"     # or "closed": a failure marks the result unknown
//! overwrite = false     # may replace labels set by earlier filters
//! [filter.config]       # handed to the filter's `init` as JSON
//! user-packages = ["com.acme."]
//! [filter.limits]       # per-filter limits, over the defaults
//! timeout-ms = 2
//!
//! [[filter]]
//! builtin = "dependency" # a built-in filter, with its built-in config unless
//!                        # this entry has a [filter.config] of its own
//! [[filter]]
//! builtin = "*"          # every built-in filter, in the built-in order
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use faultline_model::{FilterMode, OutputLimits};
use serde::Deserialize;
use sha2::Digest;

use crate::error::ChainError;

/// A parsed chain manifest.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// Limits applied to every filter unless it sets its own.
    #[serde(default)]
    pub defaults: LimitsSpec,
    /// Filters in chain order.
    #[serde(default, rename = "filter")]
    pub filters: Vec<FilterSpec>,
    /// SHA-256 of the manifest's text, part of the chain's version.
    #[serde(skip)]
    digest: [u8; 32],
    /// The file it was read from, for messages.
    #[serde(skip)]
    origin: PathBuf,
}

/// What happens to the result when a filter fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailPolicy {
    /// Skip the filter; the rest of the chain decides.
    #[default]
    Open,
    /// Stop the chain and mark the result `blame=unknown`, `category=classifier-error`.
    Closed,
}

/// One filter entry of the manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FilterSpec {
    /// Unique name, used in provenance, logs and metrics (a built-in's name by default).
    #[serde(default)]
    pub name: String,
    /// Path of the `.wasm` component, relative to the manifest's directory (for a
    /// built-in filter: the built-in component's file name).
    #[serde(default)]
    pub path: PathBuf,
    /// A built-in filter by name instead of a path (`*`: every built-in filter).
    #[serde(default)]
    pub builtin: Option<String>,
    /// The filter's version, reported with its results.
    #[serde(default = "default_version")]
    pub version: String,
    /// Whether its labels are applied.
    #[serde(default)]
    pub mode: FilterMode,
    /// For `mode = "canary"`: the share of jobs (0–100, by a stable hash of cluster
    /// and job id) whose failures get this filter's labels applied.
    #[serde(default)]
    pub canary_percent: Option<f64>,
    /// What a failure of this filter does to the result.
    #[serde(default)]
    pub on_error: FailPolicy,
    /// Whether it may replace labels that earlier filters set.
    #[serde(default)]
    pub overwrite: bool,
    /// Configuration handed to the filter's `init`.
    #[serde(default)]
    pub config: toml::Table,
    /// Limits for this filter, over `[defaults]`.
    #[serde(default)]
    pub limits: LimitsSpec,
}

fn default_version() -> String {
    "0.0.0".to_owned()
}

/// Limits as written in a manifest; unset fields fall back.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsSpec {
    pub timeout_ms: Option<u64>,
    pub memory_mib: Option<u64>,
    pub max_labels: Option<usize>,
    pub max_key_len: Option<usize>,
    pub max_value_len: Option<usize>,
}

/// Limits a filter runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub timeout: Duration,
    pub memory_bytes: usize,
    pub output: OutputLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_millis(5),
            memory_bytes: 16 << 20,
            output: OutputLimits::default(),
        }
    }
}

impl LimitsSpec {
    /// These limits over `base`.
    pub(crate) fn over(&self, base: Limits) -> Limits {
        Limits {
            timeout: self.timeout_ms.map_or(base.timeout, Duration::from_millis),
            memory_bytes: self.memory_mib.map_or(base.memory_bytes, |m| {
                usize::try_from(m.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
            }),
            output: OutputLimits {
                max_labels: self.max_labels.unwrap_or(base.output.max_labels),
                max_key_len: self.max_key_len.unwrap_or(base.output.max_key_len),
                max_value_len: self.max_value_len.unwrap_or(base.output.max_value_len),
                ..base.output
            },
        }
    }
}

impl Manifest {
    /// Parses and checks a manifest; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Manifest, ChainError> {
        let bad = |message: String| ChainError::Manifest {
            path: path.to_owned(),
            message,
        };
        let mut manifest: Manifest = toml::from_str(text).map_err(|e| {
            bad(match e.span() {
                Some(span) => format!(
                    "line {}: {}",
                    text[..span.start.min(text.len())].matches('\n').count() + 1,
                    e.message()
                ),
                None => e.message().to_owned(),
            })
        })?;
        manifest.digest = sha2::Sha256::digest(text.as_bytes()).into();
        manifest.origin = path.to_owned();
        for (i, f) in manifest.filters.iter_mut().enumerate() {
            match (&f.builtin, f.path.as_os_str().is_empty()) {
                (Some(_), false) => {
                    return Err(bad(format!(
                        "filter {}: give `path` or `builtin`, not both",
                        i + 1
                    )));
                }
                (None, true) => {
                    return Err(bad(format!(
                        "filter {} ({:?}): missing field `path` (or `builtin`)",
                        i + 1,
                        f.name
                    )));
                }
                (Some(b), true) if f.name.is_empty() && b != "*" => f.name = b.clone(),
                _ => {}
            }
        }
        let mut seen = std::collections::HashSet::new();
        for f in manifest
            .filters
            .iter()
            .filter(|f| f.builtin.as_deref() != Some("*"))
        {
            let name_ok = !f.name.is_empty()
                && f.name.len() <= 64
                && f.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !name_ok {
                return Err(bad(format!(
                    "filter name {:?} must be 1-64 of [A-Za-z0-9._-]",
                    f.name
                )));
            }
            if !seen.insert(f.name.as_str()) {
                return Err(bad(format!("filter name {:?} appears twice", f.name)));
            }
            match (f.mode, f.canary_percent) {
                (FilterMode::Canary, Some(p)) if (0.0..=100.0).contains(&p) => {}
                (FilterMode::Canary, Some(p)) => {
                    return Err(bad(format!(
                        "filter {:?}: canary-percent = {p} must be between 0 and 100",
                        f.name
                    )));
                }
                (FilterMode::Canary, None) => {
                    return Err(bad(format!(
                        "filter {:?}: mode = \"canary\" needs canary-percent (0-100)",
                        f.name
                    )));
                }
                (_, Some(_)) => {
                    return Err(bad(format!(
                        "filter {:?}: canary-percent is only for mode = \"canary\"",
                        f.name
                    )));
                }
                (_, None) => {}
            }
            let limits = f.limits.over(manifest.defaults.over(Limits::default()));
            if limits.timeout.is_zero() || limits.memory_bytes < (1 << 20) {
                return Err(bad(format!(
                    "filter {:?}: timeout-ms must be > 0 and memory-mib >= 1",
                    f.name
                )));
            }
        }
        Ok(manifest)
    }

    /// Replaces references to built-in filters by the built-in entries of `builtin`:
    /// `builtin = "*"` by all of them in order, `builtin = "NAME"` by that one with
    /// this entry's name, mode, limits and options, and its config when it has none.
    /// Filters from `builtin` keep `builtin` set, so their bytes come from it.
    pub fn expand_builtins(&mut self, builtin: &Manifest) -> Result<(), ChainError> {
        let bad = |message: String| ChainError::Manifest {
            path: self.origin.clone(),
            message,
        };
        let mut out = Vec::with_capacity(self.filters.len());
        for f in self.filters.drain(..) {
            let Some(name) = f.builtin.clone() else {
                out.push(f);
                continue;
            };
            let mark = |mut b: FilterSpec| {
                b.builtin = Some(b.name.clone());
                b
            };
            if name == "*" {
                out.extend(builtin.filters.iter().cloned().map(mark));
                continue;
            }
            let Some(b) = builtin.filters.iter().find(|b| b.name == name) else {
                let known: Vec<&str> = builtin.filters.iter().map(|b| b.name.as_str()).collect();
                return Err(bad(format!(
                    "filter {:?}: no built-in filter {name:?} (built-in: {})",
                    f.name,
                    known.join(", ")
                )));
            };
            let mut spec = f;
            spec.path = b.path.clone();
            if spec.config.is_empty() {
                spec.config = b.config.clone();
            }
            if spec.version == default_version() {
                spec.version = b.version.clone();
            }
            out.push(spec);
        }
        let mut seen = std::collections::HashSet::new();
        for f in &out {
            if !seen.insert(f.name.clone()) {
                return Err(bad(format!(
                    "filter name {:?} appears twice once built-in filters are included",
                    f.name
                )));
            }
        }
        self.filters = out;
        Ok(())
    }

    /// SHA-256 of the manifest's text.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Reads and checks `dir/chain.toml` (or the file itself when `path` is a file).
    pub fn read(path: &Path) -> Result<(Manifest, PathBuf), ChainError> {
        let file = if path.is_dir() {
            path.join("chain.toml")
        } else {
            path.to_owned()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| ChainError::ReadManifest {
            path: file.clone(),
            source,
        })?;
        let base = file.parent().map(Path::to_owned).unwrap_or_default();
        Ok((Manifest::parse(&text, &file)?, base))
    }
}

impl FilterSpec {
    /// The filter's `config` table as the JSON handed to `init`.
    pub(crate) fn config_json(&self) -> String {
        serde_json::to_string(&self.config).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_manifest() {
        let m = Manifest::parse(
            r#"
            [defaults]
            timeout-ms = 7
            [[filter]]
            name = "a"
            path = "a.wasm"
            mode = "shadow"
            on-error = "closed"
            [filter.config]
            x = [1, 2]
            [filter.limits]
            memory-mib = 4
            [[filter]]
            name = "b"
            path = "b.wasm"
            "#,
            Path::new("chain.toml"),
        )
        .unwrap();
        assert_eq!(m.filters.len(), 2);
        assert_eq!(m.filters[0].mode, FilterMode::Shadow);
        assert_eq!(m.filters[0].on_error, FailPolicy::Closed);
        assert_eq!(m.filters[0].config_json(), r#"{"x":[1,2]}"#);
        let l = m.filters[0].limits.over(m.defaults.over(Limits::default()));
        assert_eq!(
            (l.timeout, l.memory_bytes),
            (Duration::from_millis(7), 4 << 20)
        );
        assert_eq!(m.filters[1].version, "0.0.0");
    }

    #[test]
    fn refuses_bad_manifests() {
        for (text, needle) in [
            ("[[filter]]\nname = \"a\"\n", "missing field `path`"),
            (
                "[[filter]]\nname=\"a\"\npath=\"a\"\n[[filter]]\nname=\"a\"\npath=\"b\"",
                "twice",
            ),
            ("[[filter]]\nname=\"a b\"\npath=\"a\"", "must be"),
            (
                "[[filter]]\nname=\"a\"\npath=\"a\"\nmode=\"loud\"",
                "unknown variant",
            ),
            (
                "[[filter]]\nname=\"a\"\npath=\"a\"\ncolour=1",
                "unknown field",
            ),
            (
                "[[filter]]\nname=\"a\"\npath=\"a\"\n[filter.limits]\ntimeout-ms=0",
                "timeout-ms",
            ),
            ("not toml at all ][", ""),
        ] {
            let err = Manifest::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(needle) && err.contains("c.toml"),
                "{text:?} gave {err}"
            );
        }
    }
}
