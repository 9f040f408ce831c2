//! Answers with the labels and stop flag of its config: makes chain order,
//! stop and merge rules observable. Config `{"labels": {...}, "stop": bool,
//! "refuse": bool}`; `refuse` makes `init` fail.
use std::collections::BTreeMap;

use faultline_sdk::{Failure, Filter, Verdict};

#[derive(serde::Deserialize)]
struct Config {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    stop: bool,
    #[serde(default)]
    refuse: bool,
}

struct Fixed(Config);

impl Filter for Fixed {
    type Config = Config;
    fn new(config: Config) -> Result<Self, String> {
        if config.refuse {
            return Err("refused as configured".into());
        }
        Ok(Fixed(config))
    }
    fn classify(&self, _: &Failure) -> Verdict {
        let v = self.0.labels.iter().fold(Verdict::new(), |v, (k, val)| v.label(k, val));
        let v = v.reason("fixed labels from config");
        if self.0.stop { v.stop() } else { v }
    }
}

faultline_sdk::filter!(Fixed);
