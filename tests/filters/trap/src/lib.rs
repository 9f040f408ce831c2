//! Panics (a trap in WebAssembly) on every record whose root is not `ok`.
use faultline_sdk::{Failure, Filter, NoConfig, Verdict};

struct Trap;

impl Filter for Trap {
    type Config = NoConfig;
    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Trap)
    }
    fn classify(&self, failure: &Failure) -> Verdict {
        match failure.root().map(|t| t.class_name()) {
            Some("ok") => Verdict::new().label("trap", "spared"),
            _ => panic!("this filter always fails"),
        }
    }
}

faultline_sdk::filter!(Trap);
