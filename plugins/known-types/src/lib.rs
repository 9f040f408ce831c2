//! Maps known exception types (and optionally message fragments) to blame
//! and category. The table is data in the chain manifest, so a service
//! provider extends it without rebuilding the filter:
//!
//! ```toml
//! [[filter.config.rules]]
//! exception = "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException"
//! message = "slot"          # optional substring of the message
//! blame = "system"
//! category = "no-resources"
//! ```
//!
//! Rules are tried in order against every exception of the chain, root cause
//! first (the most specific evidence), then outwards; the first match wins.

use faultline_sdk::{Blame, Failure, Filter, Verdict};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    exception: String,
    #[serde(default)]
    message: Option<String>,
    blame: Blame,
    category: String,
    #[serde(default)]
    stop: bool,
}

#[derive(serde::Deserialize)]
struct Config {
    #[serde(default)]
    rules: Vec<Rule>,
}

struct KnownTypes(Config);

impl Filter for KnownTypes {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        if let Some(r) = config.rules.iter().find(|r| r.exception.is_empty() || r.category.is_empty()) {
            return Err(format!("rule for {:?} needs an exception and a category", r.exception));
        }
        Ok(KnownTypes(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        let mut chain: Vec<_> = failure.causes().filter(|t| !t.is_circular()).collect();
        chain.reverse();
        chain.extend(failure.throwables().filter(|t| t.relation() == faultline_sdk::Relation::Suppressed));
        for t in &chain {
            for rule in &self.0.rules {
                let message_ok = rule.message.as_deref().is_none_or(|m| t.message_or_empty().contains(m));
                if t.class_name() == rule.exception && message_ok {
                    let v = Verdict::new()
                        .blame(rule.blame)
                        .category(rule.category.as_str())
                        .reason(format!("known type {}", t.class_name()));
                    return if rule.stop { v.stop() } else { v };
                }
            }
        }
        Verdict::new()
    }
}

faultline_sdk::filter!(KnownTypes);
