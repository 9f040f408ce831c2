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

/// Parses a duration like `30d`, `12h`, `90m`, `45s` or `500ms`.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30d, 12h, 90m or 45s"))?;
    let ms = match unit {
        "ms" => 1,
        "s" | "" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 7 * 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}` (use ms, s, m, h, d or w)"
            ));
        }
    };
    n.checked_mul(ms)
        .ok_or_else(|| format!("`{text}` is too long"))
}
