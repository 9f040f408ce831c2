//! Blames external systems the job talks to: connections refused or reset,
//! timeouts, DNS, Kafka, JDBC, HTTP and object stores → `dependency`.
//!
//! The rule table is data (see `chain.toml`); two configured lists keep the
//! platform's own traffic out:
//! - `cluster-frames`: a connection failure whose innermost Flink frame is
//!   in Flink's networking or RPC code is between the platform's processes;
//! - `checkpoint-frames` / `checkpoint-uris`: an object-store error under
//!   Flink's checkpointing code, or naming a checkpoint location, is the
//!   platform's checkpoint storage (the state-checkpoint filter's business),
//!   unless its messages name some other object-store location.

use faultline_filter_kit::{self as kit, Rule};
use faultline_sdk::{Blame, Failure, Filter, Origin, Throwable, Verdict};

/// The filter's `[filter.config]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// The rule table, in priority order; blame defaults to `dependency`.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Package prefixes of Flink's own networking and RPC.
    #[serde(default)]
    pub cluster_frames: Vec<String>,
    /// Package prefixes of Flink's checkpointing and state code.
    #[serde(default)]
    pub checkpoint_frames: Vec<String>,
    /// Fragments of checkpoint locations as they appear in messages.
    #[serde(default)]
    pub checkpoint_uris: Vec<String>,
    /// Categories the checkpoint exclusion applies to.
    #[serde(default)]
    pub storage_categories: Vec<String>,
}

/// URI schemes of object stores, to tell a job's own bucket named in a message.
const STORE_SCHEMES: &[&str] = &[
    "s3://", "s3a://", "s3n://", "gs://", "hdfs://", "oss://", "abfs://", "abfss://", "wasb://",
    "wasbs://",
];

/// The dependency filter.
pub struct Dependency(Config);

impl Dependency {
    /// The innermost frame the platform or the job owns (JDK and library
    /// frames only say how the socket was used), looking outwards through
    /// enclosing throwables when `t` has none.
    fn owner_frame<'a>(t: &Throwable<'a>) -> Option<faultline_sdk::Frame<'a>> {
        let mut current = Some(*t);
        while let Some(c) = current {
            if let Some(f) = c
                .frames()
                .find(|f| matches!(f.origin(), Origin::Flink | Origin::User | Origin::Unknown))
            {
                return Some(f);
            }
            current = c.parent();
        }
        None
    }

    fn inside_cluster(&self, t: &Throwable<'_>) -> bool {
        Self::owner_frame(t)
            .is_some_and(|f| kit::in_packages(f.class_name(), &self.0.cluster_frames))
    }

    /// The failure is about the platform's checkpoint storage.
    fn checkpoint_storage(&self, chain: &[Throwable<'_>], t: &Throwable<'_>) -> bool {
        let messages = || chain.iter().map(|c| c.message_or_empty());
        if messages().any(|m| {
            self.0
                .checkpoint_uris
                .iter()
                .any(|u| kit::contains_ci(m, u))
        }) {
            return true;
        }
        if messages().any(|m| STORE_SCHEMES.iter().any(|s| kit::contains_ci(m, s))) {
            return false;
        }
        chain
            .iter()
            .any(|c| kit::within(c, &self.0.checkpoint_frames))
            || kit::within(t, &self.0.checkpoint_frames)
    }

    /// Decides over a chain in root-first order; `None` when no rule applies.
    pub fn decide(&self, chain: &[Throwable<'_>]) -> Option<Verdict> {
        for t in chain {
            let Some(rule) = self.0.rules.iter().find(|r| r.matches(t)) else {
                continue;
            };
            if self.inside_cluster(t) {
                // Flink's own processes failing to reach each other: not a dependency.
                return None;
            }
            if self.0.storage_categories.contains(&rule.category)
                && self.checkpoint_storage(chain, t)
            {
                return None;
            }
            return Some(kit::rule_verdict(
                rule,
                t,
                rule.blame.unwrap_or(Blame::Dependency),
            ));
        }
        None
    }
}

impl Filter for Dependency {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        kit::check_rules(&config.rules)?;
        Ok(Dependency(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        if kit::decided(failure) {
            return Verdict::new();
        }
        self.decide(&kit::root_first(failure)).unwrap_or_default()
    }
}

faultline_sdk::filter!(Dependency);

#[cfg(test)]
mod tests;
