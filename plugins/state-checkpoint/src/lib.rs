//! Checkpoints and state: checkpoint storage failing, RocksDB and other
//! state-backend errors, restores that fail, checkpoints that expire.
//! Categories `checkpoint-storage`, `state-backend`, `checkpoint-timeout`.
//!
//! Whose fault a checkpoint-storage failure is depends on who runs the
//! storage, so the blame is configuration, not code:
//!
//! ```toml
//! [filter.config]
//! checkpoint-storage = "platform"   # the provider's bucket → system; "user" → user
//! ```
//!
//! Other rules blame the system unless they say otherwise.

use faultline_filter_kit::{self as kit, Rule};
use faultline_sdk::{Blame, Failure, Filter, Verdict};

/// Who runs checkpoint storage.
#[derive(serde::Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "lowercase")]
pub enum Owner {
    /// The service provider: storage failures are the platform's.
    #[default]
    Platform,
    /// The job's owner brings the storage: its failures are the user's.
    User,
}

/// The filter's `[filter.config]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Who runs checkpoint storage.
    #[serde(default)]
    pub checkpoint_storage: Owner,
    /// The rule table, in priority order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The state-checkpoint filter.
pub struct StateCheckpoint(Config);

/// The category whose blame follows `checkpoint-storage`.
const STORAGE: &str = "checkpoint-storage";

impl Filter for StateCheckpoint {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        kit::check_rules(&config.rules)?;
        Ok(StateCheckpoint(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        if kit::decided(failure) {
            return Verdict::new();
        }
        let chain = kit::root_first(failure);
        let Some((rule, t)) = kit::first_match(&self.0.rules, &chain) else {
            return Verdict::new();
        };
        let blame = match (rule.category.as_str(), self.0.checkpoint_storage) {
            (STORAGE, Owner::User) => Blame::User,
            (STORAGE, Owner::Platform) => Blame::System,
            _ => rule.blame.unwrap_or(Blame::System),
        };
        kit::rule_verdict(rule, &t, blame)
    }
}

faultline_sdk::filter!(StateCheckpoint);

#[cfg(test)]
mod tests;
