//! The data directory and the stored event log, shared by `report`, `replay` and `serve`.

use std::path::PathBuf;

use anyhow::Context;
use faultline_ledger::Event;
use faultline_ledger::log::{log_path, read_log};

/// Where Faultline keeps its event log and snapshots.
#[derive(clap::Args, Clone)]
pub struct DataArg {
    /// Data directory [default: $FAULTLINE_DATA_DIR, else $XDG_DATA_HOME/faultline, else ~/.local/share/faultline].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl DataArg {
    /// The directory to use.
    pub fn dir(&self) -> PathBuf {
        if let Some(d) = &self.data {
            return d.clone();
        }
        let env = |k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("FAULTLINE_DATA_DIR")
            .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("faultline")))
            .or_else(|| env("HOME").map(|h| h.join(".local/share/faultline")))
            .unwrap_or_else(|| PathBuf::from("faultline-data"))
    }

    /// Every stored event, read without touching the files (a torn last record is
    /// skipped with a warning, not cut off).
    pub fn events(&self) -> anyhow::Result<Vec<Event>> {
        let dir = self.dir();
        let path = log_path(&dir);
        if !path.exists() {
            anyhow::bail!(
                "no event log at {} (run `faultline serve` first, or pass --data DIR)",
                path.display()
            );
        }
        let (events, _) =
            read_log(&path, 0).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(events)
    }
}

pub use faultline_ledger::sla::parse_duration;
