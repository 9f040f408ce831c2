//! Matching shared by the built-in filters: class-name patterns, message
//! fragments, package prefixes and rule tables read from a filter's
//! `[filter.config]`, and the walk over a cause chain from the root cause
//! outwards. Everything here reads the SDK's zero-copy views and allocates
//! only the (small) list of throwables in chain order.
//!
//! Built for the host as well as for `wasm32-wasip2`, so the filters' logic
//! is tested with plain `cargo test`; the `testing` feature turns a Java
//! stack trace into the record a filter receives.

use faultline_sdk::{Blame, Failure, Frame, Relation, Throwable, Verdict};
use serde::{Deserialize, Deserializer};

#[cfg(feature = "testing")]
pub mod testing;

/// True when `class` is named by `pattern`:
/// - `a.b.C`: that class, also when relocated under a shading prefix
///   (`org.apache.flink.kafka.shaded.a.b.C`) or named by its simple name
///   alone (`C` matches any package);
/// - `a.b.*`: any class in package `a.b` (or its subpackages), also shaded;
/// - `*Suffix`: any class whose name ends with `Suffix`.
pub fn class_matches(pattern: &str, class: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        // At the start or after a shading prefix's dot.
        return class
            .match_indices(prefix)
            .any(|(i, _)| i == 0 || class.as_bytes()[i - 1] == b'.');
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return class.ends_with(suffix);
    }
    match class.strip_suffix(pattern) {
        Some("") => true,
        // A package boundary (or a nested class) must precede the match, so
        // `Exception` does not name `IOException`.
        Some(head) => head.ends_with('.') || head.ends_with('$'),
        None => false,
    }
}

/// ASCII-case-insensitive substring search, without allocating.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    let first = n[0].to_ascii_lowercase();
    (0..=h.len() - n.len())
        .any(|i| h[i].to_ascii_lowercase() == first && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// True when `class` starts with one of `prefixes`.
pub fn in_packages(class: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| class.starts_with(p.as_str()))
}

/// Accepts a string or a list of strings in configuration.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// One row of a rule table: which throwable it names and what it means.
///
/// ```toml
/// [[filter.config.rules]]
/// exception = ["java.util.concurrent.TimeoutException"]   # any of; optional
/// message = ["heartbeat of taskmanager"]                   # any of, case-insensitive; optional
/// frame = "org.apache.flink.runtime.checkpoint."          # a frame of that throwable in one of these packages; optional
/// blame = "system"                                         # optional where the filter has a default
/// category = "heartbeat-timeout"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Rule {
    /// Class-name patterns ([`class_matches`]); empty matches any class.
    #[serde(default, deserialize_with = "one_or_many")]
    pub exception: Vec<String>,
    /// Message fragments, any of which must occur (ASCII case-insensitive); empty matches any message.
    #[serde(default, deserialize_with = "one_or_many")]
    pub message: Vec<String>,
    /// Message fragments that veto the rule (ASCII case-insensitive): the
    /// exception means something else then, for a later filter to say.
    #[serde(default, deserialize_with = "one_or_many")]
    pub unless: Vec<String>,
    /// Package prefixes one of the throwable's frames (or of an enclosing
    /// throwable's: Java elides a cause's frames shared with its parent as
    /// `... N more`) must be in; empty for no constraint.
    #[serde(default, deserialize_with = "one_or_many")]
    pub frame: Vec<String>,
    /// Only when the throwable is the root cause (has no cause of its own):
    /// for wrappers that mean something only when nothing more specific is below.
    #[serde(default)]
    pub innermost: bool,
    /// The blame to set; filters that decide blame by configuration leave it out.
    #[serde(default)]
    pub blame: Option<Blame>,
    /// The category to set.
    pub category: String,
    /// Stop the chain after this rule matched.
    #[serde(default)]
    pub stop: bool,
}

impl Rule {
    /// Refuses rules that would match everything or set no category.
    pub fn check(&self) -> Result<(), String> {
        if self.exception.is_empty() && self.message.is_empty() {
            return Err(format!(
                "a rule for category {:?} needs an exception or a message",
                self.category
            ));
        }
        if self.category.is_empty() {
            return Err(format!(
                "the rule for {:?} {:?} needs a category",
                self.exception, self.message
            ));
        }
        Ok(())
    }

    /// Whether this rule names `t`: its class, or the class its message
    /// starts with (a wrapper built from another exception's `toString()`,
    /// as PyFlink re-raises Java exceptions and Flink serializes causes).
    pub fn matches(&self, t: &Throwable<'_>) -> bool {
        let names = |class: &str| self.exception.iter().any(|p| class_matches(p, class));
        // The message is read for a quoted class only when the own class does not match.
        (self.exception.is_empty()
            || names(t.class_name())
            || quoted_class(t.message_or_empty()).is_some_and(names))
            && (self.message.is_empty() || {
                let m = t.message_or_empty();
                self.message.iter().any(|n| contains_ci(m, n))
            })
            && (self.frame.is_empty() || within(t, &self.frame))
            && (!self.innermost || t.cause().is_none())
            && !self
                .unless
                .iter()
                .any(|n| contains_ci(t.message_or_empty(), n))
    }
}

/// The exception class a message starts with (`a.b.CException: text`, or
/// `(a.b.CException): text` as Hadoop's RemoteException prints the class
/// that failed on the server), if it does: a dotted name whose last segment
/// ends in `Exception` or `Error`.
pub fn quoted_class(message: &str) -> Option<&str> {
    let head = match message.strip_prefix('(') {
        Some(rest) => rest.split_once(')')?.0,
        None => message.split_once(':')?.0,
    };
    let last = head.rsplit('.').next()?;
    let plausible = head.contains('.')
        && (last.ends_with("Exception") || last.ends_with("Error"))
        && head
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'$');
    plausible.then_some(head)
}

/// True when `t` was thrown beneath code in one of `prefixes`: a frame of
/// `t` or of an enclosing throwable is in one of those packages.
pub fn within(t: &Throwable<'_>, prefixes: &[String]) -> bool {
    let mut current = Some(*t);
    while let Some(c) = current {
        if c.frames().any(|f| in_packages(f.class_name(), prefixes)) {
            return true;
        }
        current = c.parent();
    }
    false
}

/// Checks every rule of a table (for a filter's `new`).
pub fn check_rules(rules: &[Rule]) -> Result<(), String> {
    rules.iter().try_for_each(Rule::check)
}

/// The throwables of a failure in the order evidence is weighed: the
/// `Caused by:` spine from the root cause outwards (the root cause is the
/// most specific account of what went wrong, wrappers only add context),
/// then suppressed exceptions and their causes. Circular repeats are left out.
pub fn root_first<'a>(failure: &Failure<'a>) -> Vec<Throwable<'a>> {
    let mut chain: Vec<Throwable<'a>> = failure.causes().filter(|t| !t.is_circular()).collect();
    chain.reverse();
    let others: Vec<Throwable<'a>> = failure
        .throwables()
        .filter(|t| !t.is_circular() && t.relation() != Relation::Root && !is_on(&chain, t))
        .collect();
    chain.extend(others);
    chain
}

fn is_on(chain: &[Throwable<'_>], t: &Throwable<'_>) -> bool {
    chain.iter().any(|c| c.index() == t.index())
}

/// The first (throwable, rule) pair that matches, throwables in
/// [`root_first`] order and, for each throwable, rules in table order.
pub fn first_match<'r, 'a>(
    rules: &'r [Rule],
    chain: &[Throwable<'a>],
) -> Option<(&'r Rule, Throwable<'a>)> {
    chain
        .iter()
        .find_map(|t| rules.iter().find(|r| r.matches(t)).map(|r| (r, *t)))
}

/// A verdict setting blame and category together (never one without the
/// other: the engine keeps the first value of each key, so a half answer
/// would pair this filter's blame with a later filter's category).
pub fn decide(blame: Blame, category: &str, reason: String) -> Verdict {
    Verdict::new()
        .blame(blame)
        .category(category)
        .reason(reason)
}

/// The verdict of a matched rule with the `blame` the filter settled on
/// (the rule's own, a default, or one set by configuration).
pub fn rule_verdict(rule: &Rule, t: &Throwable<'_>, blame: Blame) -> Verdict {
    // A record read from prose has a throwable without a class.
    let what = match t.simple_name() {
        "" => "the message",
        name => name,
    };
    let v = decide(
        blame,
        &rule.category,
        format!("{what} matches a {} rule", rule.category),
    );
    if rule.stop { v.stop() } else { v }
}

/// True when an earlier filter already decided the blame: the built-in
/// filters then stay silent rather than add a category that contradicts it.
pub fn decided(failure: &Failure<'_>) -> bool {
    failure.label("blame").is_some()
}

/// Class names in a message: dotted identifiers whose last segment starts
/// with an upper-case letter or holds a `$` (`com.acme.Type`, `a.B$C`);
/// `127.0.0.1`, `config.yaml` and sentence ends are not classes.
pub fn class_names(message: &str) -> impl Iterator<Item = &str> {
    message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| {
            let last = t.rsplit('.').next().unwrap_or("");
            t.contains('.')
                && t.starts_with(|c: char| c.is_ascii_alphabetic())
                && t.split('.')
                    .all(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()))
                && (last.starts_with(|c: char| c.is_ascii_uppercase()) || last.contains('$'))
        })
}

/// `class.method` of a frame, for labels and reasons.
pub fn frame_name(f: &Frame<'_>) -> String {
    format!("{}.{}", f.class_name(), f.method())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_patterns() {
        assert!(class_matches(
            "java.net.ConnectException",
            "java.net.ConnectException"
        ));
        assert!(class_matches(
            "ConnectException",
            "java.net.ConnectException"
        ));
        assert!(!class_matches("Exception", "java.io.IOException"));
        assert!(class_matches(
            "org.apache.kafka.common.errors.TimeoutException",
            "org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.TimeoutException"
        ));
        assert!(class_matches("Outer$Inner", "a.b.Outer$Inner"));
        assert!(class_matches(
            "org.apache.kafka.*",
            "org.apache.kafka.common.KafkaException"
        ));
        assert!(class_matches("*SQLException", "java.sql.SQLException"));
        assert!(!class_matches(
            "java.sql.SQLException",
            "java.sql.SQLExceptionX"
        ));
    }

    #[test]
    fn classes_quoted_at_the_start_of_a_message() {
        assert_eq!(
            quoted_class(
                "org.apache.flink.table.api.TableException: Sort on a non-time-attribute field"
            ),
            Some("org.apache.flink.table.api.TableException")
        );
        assert_eq!(
            quoted_class("java.lang.OutOfMemoryError: Java heap space"),
            Some("java.lang.OutOfMemoryError")
        );
        assert_eq!(
            quoted_class(
                "(org.apache.hadoop.hdfs.protocol.DSQuotaExceededException): The DiskSpace quota"
            ),
            Some("org.apache.hadoop.hdfs.protocol.DSQuotaExceededException")
        );
        assert_eq!(quoted_class("Could not connect: refused"), None);
        assert_eq!(quoted_class("see config.yaml: line 3"), None);
        assert_eq!(quoted_class("a.b.Thing: x"), None);
        assert_eq!(quoted_class("no colon here java.io.IOException"), None);
    }

    #[test]
    fn case_insensitive_contains() {
        assert!(contains_ci(
            "The heartbeat of TaskManager x",
            "heartbeat of taskmanager"
        ));
        assert!(contains_ci("abc", ""));
        assert!(!contains_ci("ab", "abc"));
        assert!(contains_ci("Überall Direct buffer memory", "direct BUFFER"));
    }

    #[test]
    fn rules_need_something_to_match() {
        let rule = |e: &[&str], m: &[&str], c: &str| Rule {
            exception: e.iter().map(|s| s.to_string()).collect(),
            message: m.iter().map(|s| s.to_string()).collect(),
            frame: vec![],
            unless: vec![],
            innermost: false,
            blame: None,
            category: c.into(),
            stop: false,
        };
        assert!(rule(&[], &[], "x").check().is_err());
        assert!(rule(&["A"], &[], "").check().is_err());
        assert!(rule(&["A"], &[], "x").check().is_ok());
        assert!(rule(&[], &["m"], "x").check().is_ok());
    }
}
