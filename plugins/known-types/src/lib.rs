//! Maps exception types and message fragments of Flink, the JDK and common
//! libraries to blame and category: lost TaskManagers, heartbeat timeouts,
//! RPC failures, missing slots, missing partitions, JobManager failover,
//! invalid job configuration and class-loading conflicts. The table is data
//! in the chain manifest, so a service provider extends it without
//! rebuilding the filter:
//!
//! ```toml
//! [[filter.config.rules]]
//! exception = "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException"
//! message = ["slot", "resources"]  # optional, any of, case-insensitive
//! blame = "system"
//! category = "no-resources"
//! ```
//!
//! The chain runs this component twice: first as `resource` with the table
//! of out-of-resource conditions (heap, direct and metaspace OOM, killed
//! containers, open files, full disks), then as `known-types`.
//!
//! Throwables are tried root cause first, then outwards (the innermost
//! exception is the most specific account of what went wrong); for each,
//! rules in table order. The first match decides blame and category.

use faultline_filter_kit::{self as kit, Rule};
use faultline_sdk::{Failure, Filter, Verdict};

/// The filter's `[filter.config]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The rule table, in priority order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// The known-types filter.
pub struct KnownTypes(Config);

impl Filter for KnownTypes {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        kit::check_rules(&config.rules)?;
        if let Some(r) = config.rules.iter().find(|r| r.blame.is_none()) {
            return Err(format!(
                "the {} rule for {:?} needs a blame",
                r.category, r.exception
            ));
        }
        Ok(KnownTypes(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        if kit::decided(failure) {
            return Verdict::new();
        }
        let chain = kit::root_first(failure);
        match kit::first_match(&self.0.rules, &chain) {
            Some((rule, t)) => kit::rule_verdict(
                rule,
                &t,
                rule.blame.unwrap_or(faultline_sdk::Blame::Unknown),
            ),
            None => Verdict::new(),
        }
    }
}

faultline_sdk::filter!(KnownTypes);

#[cfg(test)]
mod tests;

/// The `resource` entry of the chain runs this component with its own table.
#[cfg(test)]
mod resource_tests;
