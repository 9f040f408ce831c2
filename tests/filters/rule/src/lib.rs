//! A simple rule filter for benchmarks: if any frame's class starts with
//! `prefix` (or the root cause's class is `exception`), set `key=value`.
use faultline_sdk::{Failure, Filter, Verdict};

#[derive(serde::Deserialize)]
struct Config {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    exception: String,
    key: String,
    value: String,
}

struct Rule(Config);

impl Filter for Rule {
    type Config = Config;
    fn new(config: Config) -> Result<Self, String> {
        Ok(Rule(config))
    }
    fn classify(&self, failure: &Failure) -> Verdict {
        let c = &self.0;
        let by_frame = !c.prefix.is_empty() && failure.frames().any(|f| f.in_package(&c.prefix));
        let by_class = !c.exception.is_empty() && failure.root_cause().is_some_and(|t| t.class_name() == c.exception);
        if by_frame || by_class { Verdict::new().label(&c.key, &c.value) } else { Verdict::new() }
    }
}

faultline_sdk::filter!(Rule);
