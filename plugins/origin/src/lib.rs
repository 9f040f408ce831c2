//! Blames a failure by where its root cause was thrown: the first frame of
//! the root cause that is neither JDK nor library code decides. A user
//! frame (or a class the origin rules do not know, in text mode without the
//! user's jar) blames the user; a Flink frame blames the system. An
//! exception class of the user's own also blames the user.
//!
//! Config: `unknown-is-user` (default true): treat frames of unknown origin
//! as user code.

use faultline_sdk::{Blame, Failure, Filter, Frame, Origin, Throwable, Verdict};

#[derive(serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Config {
    #[serde(default = "yes")]
    unknown_is_user: bool,
}

fn yes() -> bool {
    true
}

struct OriginFilter(Config);

impl OriginFilter {
    fn is_user(&self, origin: Origin) -> bool {
        origin == Origin::User || (self.0.unknown_is_user && origin == Origin::Unknown)
    }

    /// The frame that decides: the innermost one in code the job or Flink owns.
    fn deciding_frame<'a>(&self, t: &Throwable<'a>) -> Option<Frame<'a>> {
        t.frames().find(|f| matches!(f.origin(), Origin::User | Origin::Flink | Origin::Unknown))
    }
}

impl Filter for OriginFilter {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        Ok(OriginFilter(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        let Some(root_cause) = failure.root_cause() else { return Verdict::new() };
        let frame = self.deciding_frame(&root_cause);
        let verdict = match frame {
            Some(f) if self.is_user(f.origin()) => Verdict::new()
                .blame(Blame::User)
                .category("user-code")
                .reason(format!("{} thrown in user code {}.{}", root_cause.simple_name(), f.class_name(), f.method())),
            Some(f) => Verdict::new()
                .blame(Blame::System)
                .category("flink-runtime")
                .reason(format!("{} thrown in Flink code {}.{}", root_cause.simple_name(), f.class_name(), f.method())),
            None => return Verdict::new(),
        };
        verdict.label("origin.frame", frame.map_or(String::new(), |f| format!("{}.{}", f.class_name(), f.method())))
    }
}

faultline_sdk::filter!(OriginFilter);
