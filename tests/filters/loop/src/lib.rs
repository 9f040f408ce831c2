//! Never returns: the engine's time budget must interrupt it.
use faultline_sdk::{Failure, Filter, NoConfig, Verdict};

struct Loop;

impl Filter for Loop {
    type Config = NoConfig;
    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Loop)
    }
    fn classify(&self, failure: &Failure) -> Verdict {
        let mut n: u64 = 0;
        loop {
            n = n.wrapping_add(failure.frames().count() as u64 + 1);
            if n == u64::MAX {
                return Verdict::new();
            }
            std::hint::black_box(n);
        }
    }
}

faultline_sdk::filter!(Loop);
