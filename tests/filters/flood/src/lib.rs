//! Answers with 10 MB of labels: the engine must refuse the output.
use faultline_sdk::{Failure, Filter, NoConfig, Verdict};

struct Flood;

impl Filter for Flood {
    type Config = NoConfig;
    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Flood)
    }
    fn classify(&self, _: &Failure) -> Verdict {
        (0..10).fold(Verdict::new(), |v, i| v.label(format!("flood-{i}"), "x".repeat(1 << 20)))
    }
}

faultline_sdk::filter!(Flood);
