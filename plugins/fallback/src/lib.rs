//! Makes sure every record leaves the chain with a `blame` and a
//! `category`. Earlier filters have priority (the engine keeps labels they
//! set), so this only fills what nobody decided: `unknown`/`unknown`, the
//! corpus vocabulary's label for "nothing matched".

use faultline_sdk::{Blame, Failure, Filter, NoConfig, Verdict};

/// The fallback filter.
pub struct Fallback;

impl Filter for Fallback {
    type Config = NoConfig;

    fn new(_: NoConfig) -> Result<Self, String> {
        Ok(Fallback)
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        let mut v = Verdict::new();
        if failure.label("blame").is_none() {
            v = v
                .blame(Blame::Unknown)
                .reason("no filter recognised this failure");
        }
        if failure.label("category").is_none() {
            v = v.category("unknown");
        }
        v
    }
}

faultline_sdk::filter!(Fallback);

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_filter_kit::testing::{decision, record_with, want};

    const TRACE: &str = "java.lang.IllegalStateException: odd\n\tat com.acme.Job.map(Job.java:1)\n";

    #[test]
    fn fills_only_what_nobody_decided() {
        let rec = record_with(TRACE, &[], &[]);
        assert_eq!(
            decision(&Fallback.classify(&Failure::new(&rec))),
            want("unknown", "unknown")
        );
        let rec = record_with(TRACE, &[], &[("blame", "user"), ("category", "user-code")]);
        assert_eq!(
            decision(&Fallback.classify(&Failure::new(&rec))),
            (None, None)
        );
        let rec = record_with(TRACE, &[], &[("blame", "user")]);
        assert_eq!(
            decision(&Fallback.classify(&Failure::new(&rec))),
            (None, Some("unknown".into()))
        );
    }
}
