//! Allocates without bound: the engine's memory cap must stop it.
use faultline_sdk::{Failure, Filter, NoConfig, Verdict};

struct Hog;

impl Filter for Hog {
    type Config = NoConfig;
    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Hog)
    }
    fn classify(&self, _: &Failure) -> Verdict {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1u8; 1 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}

faultline_sdk::filter!(Hog);
