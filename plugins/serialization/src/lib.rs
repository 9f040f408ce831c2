//! Serialization and state-schema failures: Kryo, POJO, Avro and Java
//! serialization errors, state serializers that changed incompatibly,
//! failed state migrations.
//!
//! Such failures are thrown in Flink's or a library's frames even when the
//! fault is the type the job asked Flink to (de)serialize, so the blame
//! goes by *whose type* it is: the filter collects class names from the
//! messages of the chain (Kryo's `Serialization trace:\nfield (com.acme.Type)`,
//! `Could not serialize ...`, Avro's `in field x of com.acme.Type`,
//! `ClassCastException` messages) and the frames of the failing throwable;
//! a class outside the configured `platform-packages` is the user's
//! (`user/serialization`, or `user/state-incompatible` for a schema change).
//! Only platform types → `system/flink-runtime`; no type at all →
//! `no-type-blame`.

use faultline_filter_kit::{self as kit};
use faultline_sdk::{Blame, Failure, Filter, Origin, Throwable, Verdict};

/// The filter's `[filter.config]`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Exception classes that are serialization failures.
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// Exception classes of an incompatible state schema.
    #[serde(default)]
    pub incompatible_exceptions: Vec<String>,
    /// Message fragments of serialization failures.
    #[serde(default)]
    pub messages: Vec<String>,
    /// Message fragments of an incompatible state schema or serializer.
    #[serde(default)]
    pub incompatible_messages: Vec<String>,
    /// Package prefixes of serializer code.
    #[serde(default)]
    pub serializer_frames: Vec<String>,
    /// Class-name suffixes of serializers (`MySplitSerializer`), wherever they live.
    #[serde(default)]
    pub serializer_suffixes: Vec<String>,
    /// Package prefixes of Flink code that reads state back (restores).
    #[serde(default)]
    pub restore_frames: Vec<String>,
    /// Exceptions that mean bytes did not match the format read: in a
    /// restore, state written in another format (a changed schema).
    #[serde(default)]
    pub format_exceptions: Vec<String>,
    /// Package prefixes of classes that are not the user's.
    #[serde(default)]
    pub platform_packages: Vec<String>,
    /// Blame when no type can be found.
    #[serde(default = "user")]
    pub no_type_blame: Blame,
    /// Category when only platform types are involved.
    #[serde(default = "flink_runtime")]
    pub system_category: String,
}

fn user() -> Blame {
    Blame::User
}

fn flink_runtime() -> String {
    "flink-runtime".to_owned()
}

/// Whose type failed to (de)serialize.
#[derive(Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    /// A type of the job's (the first one found).
    User(&'a str),
    /// Only the platform's types.
    Platform(&'a str),
    /// No type named anywhere.
    Unknown,
}

pub use kit::class_names;

/// The serialization filter.
pub struct Serialization(Config);

impl Serialization {
    fn is_platform(&self, class: &str) -> bool {
        kit::in_packages(class, &self.0.platform_packages)
    }

    fn any_class(patterns: &[String], t: &Throwable<'_>) -> bool {
        patterns
            .iter()
            .any(|p| kit::class_matches(p, t.class_name()))
    }

    fn any_message(fragments: &[String], t: &Throwable<'_>) -> bool {
        let m = t.message_or_empty();
        fragments.iter().any(|f| kit::contains_ci(m, f))
    }

    /// How many non-JDK frames from the top may be helpers of a serializer
    /// (`DataInputDeserializer.readBoolean` called by `MySplitSerializer.deserialize`).
    const SERIALIZER_DEPTH: usize = 3;

    fn is_serializer_frame(&self, f: &faultline_sdk::Frame<'_>) -> bool {
        let class = f.class_name();
        let simple = class.rsplit('.').next().unwrap_or(class);
        kit::in_packages(class, &self.0.serializer_frames)
            || self
                .0
                .serializer_suffixes
                .iter()
                .any(|s| simple.ends_with(s.as_str()))
    }

    /// Thrown by serializer code: one of its innermost non-JDK frames is a serializer's.
    fn thrown_in_serializer(&self, t: &Throwable<'_>) -> bool {
        t.frames()
            .filter(|f| f.origin() != Origin::Jdk)
            .take(Self::SERIALIZER_DEPTH)
            .any(|f| self.is_serializer_frame(&f))
    }

    /// A format error while restoring state: the state was written in another format.
    fn restore_format_error(&self, t: &Throwable<'_>) -> bool {
        Self::any_class(&self.0.format_exceptions, t) && kit::within(t, &self.0.restore_frames)
    }

    /// Whether `t` is evidence of a serialization failure, and of an incompatible schema.
    fn evidence(&self, t: &Throwable<'_>) -> (bool, bool) {
        let in_serializer = self.thrown_in_serializer(t);
        let incompatible = Self::any_class(&self.0.incompatible_exceptions, t)
            || (in_serializer && self.restore_format_error(t))
            || (Self::any_message(&self.0.incompatible_messages, t)
                && (kit::within(t, &self.0.serializer_frames)
                    || kit::contains_ci(t.message_or_empty(), "serializer")));
        let serialization = incompatible
            || Self::any_class(&self.0.exceptions, t)
            || Self::any_message(&self.0.messages, t)
            || in_serializer;
        (serialization, incompatible)
    }

    /// Whose type is involved, from the chain's messages and frames.
    pub fn owner<'a>(&self, chain: &[Throwable<'a>]) -> Owner<'a> {
        let mut platform = None;
        for t in chain {
            for class in class_names(t.message_or_empty()) {
                if !self.is_platform(class) {
                    return Owner::User(class);
                }
                platform.get_or_insert(class);
            }
        }
        // The job's code on the stack (a custom serializer, writeObject, or the
        // function whose closure or output is being serialized): its data.
        if let Some(f) = chain.iter().flat_map(|t| t.frames()).find(|f| {
            matches!(f.origin(), Origin::User | Origin::Unknown)
                && !self.is_platform(f.class_name())
        }) {
            return Owner::User(f.class_name());
        }
        platform.map_or(Owner::Unknown, Owner::Platform)
    }

    /// Decides over a chain in root-first order; `None` when it is no serialization failure.
    pub fn decide(&self, chain: &[Throwable<'_>]) -> Option<Verdict> {
        let mut found = None;
        let mut incompatible = false;
        for t in chain {
            let (s, i) = self.evidence(t);
            incompatible |= i;
            if s && found.is_none() {
                found = Some(*t);
            }
        }
        let failing = found?;
        let category = if incompatible {
            "state-incompatible"
        } else {
            "serialization"
        };
        let owner = self.owner(chain);
        Some(match owner {
            Owner::User(class) => kit::decide(
                Blame::User,
                category,
                format!(
                    "serialization: {} with the job's type {class}",
                    failing.simple_name()
                ),
            ),
            // A changed state schema is the job's change, whichever serializer reports it.
            _ if incompatible => kit::decide(
                Blame::User,
                category,
                format!(
                    "serialization: incompatible state ({})",
                    failing.simple_name()
                ),
            ),
            Owner::Platform(class) => kit::decide(
                Blame::System,
                &self.0.system_category,
                format!(
                    "serialization: {} with only platform types ({class})",
                    failing.simple_name()
                ),
            ),
            Owner::Unknown => kit::decide(
                self.0.no_type_blame,
                if self.0.no_type_blame == Blame::User {
                    category
                } else {
                    &self.0.system_category
                },
                format!("serialization: {} naming no type", failing.simple_name()),
            ),
        })
    }
}

impl Filter for Serialization {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        Ok(Serialization(config))
    }

    fn classify(&self, failure: &Failure) -> Verdict {
        if kit::decided(failure) {
            return Verdict::new();
        }
        self.decide(&kit::root_first(failure)).unwrap_or_default()
    }
}

faultline_sdk::filter!(Serialization);

#[cfg(test)]
mod tests;
