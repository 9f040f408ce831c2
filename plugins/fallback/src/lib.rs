//! Makes sure every record leaves the chain with a `blame` and a
//! `category`. Earlier filters have priority (the engine keeps labels they
//! set), so this only fills what nobody decided: `unknown`/`unclassified`.

use faultline_sdk::{Blame, Failure, Filter, NoConfig, Verdict};

struct Fallback;

impl Filter for Fallback {
    type Config = NoConfig;

    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Fallback)
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        let mut v = Verdict::new();
        if failure.label("blame").is_none() {
            v = v.blame(Blame::Unknown).reason("no filter decided the blame");
        }
        if failure.label("category").is_none() {
            v = v.category("unclassified");
        }
        v
    }
}

faultline_sdk::filter!(Fallback);
