//! The stages of a job's life and the clock that sums time per stage.

use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize};

use crate::event::Millis;

/// Where a job is in its life, as Faultline accounts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    /// Known but not yet scheduled.
    Created,
    /// Waiting for slots (from the first SCHEDULED task).
    Scheduling,
    /// Tasks being deployed.
    Deploying,
    /// Tasks restoring state and opening their functions.
    Initializing,
    /// Every task RUNNING or FINISHED.
    Running,
    /// Running but making no progress.
    Stuck,
    /// Tasks being cancelled after a failure.
    Failing,
    /// Waiting to restart after a failure.
    Restarting,
    /// Being cancelled on request.
    Cancelling,
    /// Finished, failed or cancelled for good.
    Terminal,
    /// Not observed.
    Unknown,
}

impl Stage {
    /// Every stage, in report order.
    pub const ALL: [Stage; 11] = [
        Stage::Created,
        Stage::Scheduling,
        Stage::Deploying,
        Stage::Initializing,
        Stage::Running,
        Stage::Stuck,
        Stage::Failing,
        Stage::Restarting,
        Stage::Cancelling,
        Stage::Terminal,
        Stage::Unknown,
    ];

    /// The stage's name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Created => "CREATED",
            Stage::Scheduling => "SCHEDULING",
            Stage::Deploying => "DEPLOYING",
            Stage::Initializing => "INITIALIZING",
            Stage::Running => "RUNNING",
            Stage::Stuck => "STUCK",
            Stage::Failing => "FAILING",
            Stage::Restarting => "RESTARTING",
            Stage::Cancelling => "CANCELLING",
            Stage::Terminal => "TERMINAL",
            Stage::Unknown => "UNKNOWN",
        }
    }

    /// A recovery attempt's stages: the job is on its way back up.
    pub fn is_recovering(self) -> bool {
        matches!(
            self,
            Stage::Scheduling | Stage::Deploying | Stage::Initializing
        )
    }

    /// Stages in which the job is down and someone is to blame.
    pub fn is_down(self) -> bool {
        !matches!(self, Stage::Running | Stage::Terminal | Stage::Unknown)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StageTimes(pub [Millis; 11]);

impl StageTimes {
    /// Adds `ms` to `stage`.
    pub fn add(&mut self, stage: Stage, ms: Millis) {
        self[stage] += ms;
    }

    /// The sum over all stages.
    pub fn total(&self) -> Millis {
        self.0.iter().sum()
    }

    /// Adds every stage of `other`.
    pub fn absorb(&mut self, other: &StageTimes) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// Stages with time, in report order.
    pub fn iter(&self) -> impl Iterator<Item = (Stage, Millis)> + '_ {
        Stage::ALL
            .into_iter()
            .map(|s| (s, self[s]))
            .filter(|(_, ms)| *ms != 0)
    }

    /// "13m = 1m SCHEDULING + 1m DEPLOYING + 11m INITIALIZING".
    pub fn breakdown(&self) -> String {
        let parts: Vec<String> = self
            .iter()
            .map(|(s, ms)| format!("{} {}", human(ms), s))
            .collect();
        format!("{} = {}", human(self.total()), parts.join(" + "))
    }
}

impl Index<Stage> for StageTimes {
    type Output = Millis;
    fn index(&self, stage: Stage) -> &Millis {
        &self.0[stage as usize]
    }
}

impl IndexMut<Stage> for StageTimes {
    fn index_mut(&mut self, stage: Stage) -> &mut Millis {
        &mut self.0[stage as usize]
    }
}

/// Serialized as `{"RUNNING": seconds, ...}` with only the stages that have time, so
/// the REST API and snapshots read naturally.
impl Serialize for StageTimes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (stage, ms) in self.iter() {
            map.serialize_entry(stage.as_str(), &(ms as f64 / 1000.0))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for StageTimes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<Stage, f64>::deserialize(d)?;
        let mut times = StageTimes::default();
        for (stage, secs) in map {
            times[stage] = (secs * 1000.0).round() as Millis;
        }
        Ok(times)
    }
}

/// Milliseconds as a short human duration: `950ms`, `12.5s`, `13m`, `2h05m`, `3d04h`.
pub fn human(ms: Millis) -> String {
    let s = ms / 1000;
    if ms.abs() < 1000 {
        format!("{ms}ms")
    } else if s.abs() < 60 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if s.abs() < 3600 {
        format!("{}m{:02}s", s / 60, (s % 60).abs())
    } else if s.abs() < 86_400 {
        format!("{}h{:02}m", s / 3600, ((s % 3600) / 60).abs())
    } else {
        format!("{}d{:02}h", s / 86_400, ((s % 86_400) / 3600).abs())
    }
}
