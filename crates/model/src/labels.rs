//! Label keys, the blame dimension and the rules a filter's labels must follow.

use serde::{Deserialize, Serialize};

/// The SLA dimension: whose fault a failure was.
pub const BLAME: &str = "blame";
/// The fine-grained kind of failure, for alarms and breakdowns.
pub const CATEGORY: &str = "category";

/// Whose fault a failure was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Blame {
    User,
    System,
    Resource,
    Dependency,
    Unknown,
}

impl Blame {
    /// Every blame, in report order.
    pub const ALL: [Blame; 5] = [
        Blame::User,
        Blame::System,
        Blame::Resource,
        Blame::Dependency,
        Blame::Unknown,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Blame::User => "user",
            Blame::System => "system",
            Blame::Resource => "resource",
            Blame::Dependency => "dependency",
            Blame::Unknown => "unknown",
        }
    }

    /// Parses a label value.
    pub fn parse(value: &str) -> Option<Blame> {
        Blame::ALL.into_iter().find(|b| b.as_str() == value)
    }
}

impl std::fmt::Display for Blame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bounds on what one filter may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct OutputLimits {
    /// Labels in one verdict.
    pub max_labels: usize,
    /// Bytes of a key.
    pub max_key_len: usize,
    /// Bytes of a value.
    pub max_value_len: usize,
    /// Bytes of the reason text.
    pub max_reason_len: usize,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            max_labels: 16,
            max_key_len: 64,
            max_value_len: 512,
            max_reason_len: 1024,
        }
    }
}

/// Why a label is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LabelError {
    #[error("{count} labels, more than the limit of {max}")]
    TooMany { count: usize, max: usize },
    #[error("key of {len} bytes, more than the limit of {max}")]
    KeyTooLong { len: usize, max: usize },
    #[error("key {0:?} is not lowercase [a-z0-9._-]+")]
    BadKey(String),
    #[error("value of key {key:?} has {len} bytes, more than the limit of {max}")]
    ValueTooLong { key: String, len: usize, max: usize },
    #[error("key {0:?} appears twice in one verdict")]
    Duplicate(String),
    #[error("blame {0:?} is not one of user, system, resource, dependency, unknown")]
    BadBlame(String),
    #[error("reason of {len} bytes, more than the limit of {max}")]
    ReasonTooLong { len: usize, max: usize },
}

/// Checks one label against `limits` and the canonical key rules.
pub fn validate_label(key: &str, value: &str, limits: &OutputLimits) -> Result<(), LabelError> {
    if key.len() > limits.max_key_len {
        return Err(LabelError::KeyTooLong {
            len: key.len(),
            max: limits.max_key_len,
        });
    }
    let key_ok = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !key_ok {
        return Err(LabelError::BadKey(key.to_owned()));
    }
    if value.len() > limits.max_value_len {
        return Err(LabelError::ValueTooLong {
            key: key.to_owned(),
            len: value.len(),
            max: limits.max_value_len,
        });
    }
    if key == BLAME && Blame::parse(value).is_none() {
        return Err(LabelError::BadBlame(value.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_rules() {
        let l = OutputLimits::default();
        assert!(validate_label("blame", "user", &l).is_ok());
        assert!(validate_label("acme.team-1_x", "v", &l).is_ok());
        assert_eq!(
            validate_label("blame", "nobody", &l),
            Err(LabelError::BadBlame("nobody".into()))
        );
        assert_eq!(
            validate_label("Blame", "user", &l),
            Err(LabelError::BadKey("Blame".into()))
        );
        assert_eq!(
            validate_label("", "user", &l),
            Err(LabelError::BadKey(String::new()))
        );
        assert!(matches!(
            validate_label(&"k".repeat(65), "", &l),
            Err(LabelError::KeyTooLong { .. })
        ));
        assert!(matches!(
            validate_label("k", &"v".repeat(513), &l),
            Err(LabelError::ValueTooLong { .. })
        ));
    }
}
