//! Parses Java stack traces (`Throwable.printStackTrace()` output, in logs or
//! in Flink's REST exception history) into Faultline failure records, and
//! tells the origin (user, Flink, JDK, library) of every frame.
//!
//! ```
//! use faultline_stacktrace::{parse, OriginRules};
//! let text = "java.lang.IllegalStateException: boom\n\tat com.acme.Job.map(Job.java:12)\n";
//! let rules = OriginRules::default().with_user_prefix("com.acme");
//! let record = parse(text, &rules).unwrap();
//! assert_eq!(record.throwables[0].class, "java.lang.IllegalStateException");
//! assert_eq!(record.throwables[0].frames[0].origin, faultline_model::Origin::User);
//! ```

#![warn(missing_docs)]

mod json;
mod origin;
mod text;
mod threads;

use faultline_model::{FailureRecord, RecordError, RecordLimits};

pub use origin::{JarError, OriginRules};
pub use threads::{
    DumpLimits, ThreadDumpError, is_task_thread_name, parse_thread_dump, parse_thread_dump_with,
};

/// Why an input could not be turned into a failure record.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// The input is empty or only whitespace.
    #[error("the input is empty")]
    Empty,
    /// The input contains NUL bytes or is not valid UTF-8.
    #[error("the input is not text (NUL bytes or invalid UTF-8)")]
    NotText,
    /// No Java exception header was recognised.
    #[error(
        "no Java exception found in the input (expected a line like `java.lang.Exception: message`)"
    )]
    NoException,
    /// The input looked like JSON but is not valid or not of a known shape.
    #[error("invalid JSON input: {0}")]
    Json(String),
    /// A JSON failure record broke the record's invariants.
    #[error("invalid failure record: {0}")]
    InvalidRecord(RecordError),
}

/// Parses the first Java stack trace in `text` into a validated record, cut
/// to [`RecordLimits::default`], with frame origins filled in by `rules`.
///
/// Leading log lines are skipped, `kubectl logs --timestamps` prefixes and
/// `\r` are stripped, and parsing stops at the first line after the trace
/// that is not part of it (so of several traces the first one is the record).
/// Pasted fragments are accepted: a trace that starts at a `Caused by:`, a
/// header inside a log line (`... with failure cause: java.io.X: m`), frames
/// indented with spaces, wrapped over lines or without their `at `, `...`
/// lines and stray lines among the frames. Text with no recognisable
/// exception header is [`ParseError::NoException`]; text with NUL characters
/// is refused as [`ParseError::NotText`].
pub fn parse(text: &str, rules: &OriginRules) -> Result<FailureRecord, ParseError> {
    let mut record = text::parse_trace(text)?;
    finish(&mut record, rules)?;
    Ok(record)
}

/// Parses stack-trace bytes (UTF-8, an optional BOM) like [`parse`]; NUL bytes
/// or invalid UTF-8 give [`ParseError::NotText`].
pub fn parse_bytes(bytes: &[u8], rules: &OriginRules) -> Result<FailureRecord, ParseError> {
    parse(decode(bytes)?, rules)
}

/// Like [`parse`], but text with no Java exception header is still a record:
/// one throwable with no class whose message is the text (see
/// [`message_record`]), so message rules can classify a failure reported as
/// prose, such as YARN's container diagnostics or a client's error line.
pub fn parse_or_message(text: &str, rules: &OriginRules) -> Result<FailureRecord, ParseError> {
    match parse(text, rules) {
        Err(ParseError::NoException) => message_record(text),
        other => other,
    }
}

/// A record of one throwable with an empty class and `text` (its non-blank
/// lines, trimmed, joined by newlines) as message, cut to the default limits.
pub fn message_record(text: &str) -> Result<FailureRecord, ParseError> {
    if text.contains('\0') {
        return Err(ParseError::NotText);
    }
    let message = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if message.is_empty() {
        return Err(ParseError::Empty);
    }
    let mut record = FailureRecord::single("", Some(message), Vec::new());
    record.truncate(&RecordLimits::default());
    Ok(record)
}

/// Parses raw input: a JSON failure record, a JSON Flink exception-history
/// entry (or corpus line) with a `stacktrace` field, or stack-trace text.
/// Text (or a `stacktrace` field) with no Java exception is read as a
/// message, as [`parse_or_message`] does.
///
/// Input whose trimmed text starts with `{` is JSON (invalid JSON is a
/// [`ParseError::Json`]); of JSON lines the first is read. An object with
/// `throwables` is a failure record (its known origins are kept, the others
/// filled in by `rules`). An object with `stacktrace` is a Flink REST
/// exception-history entry: `timestamp` (ms), `taskName`, `endpoint` or
/// `location` (host), `taskManagerId` fill the record's context; Flink does
/// not say the failure type there, so it is guessed as `Task` when a
/// `taskName` is present and `Global` otherwise (a `failureType` field wins).
/// An empty `stacktrace` falls back to `exceptionName`. A whole
/// `/jobs/:jobid/exceptions` response reads as its latest history entry.
pub fn parse_input(bytes: &[u8], rules: &OriginRules) -> Result<FailureRecord, ParseError> {
    let text = decode(bytes)?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    if trimmed.starts_with('{') {
        return json::parse_json(trimmed, rules);
    }
    parse_or_message(text, rules)
}

/// UTF-8 text without NUL bytes, without a leading BOM.
fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.contains(&0) {
        return Err(ParseError::NotText);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::NotText)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Validates, truncates to the default limits and fills origins.
fn finish(record: &mut FailureRecord, rules: &OriginRules) -> Result<(), ParseError> {
    record.validate().map_err(ParseError::InvalidRecord)?;
    record.truncate(&RecordLimits::default());
    rules.apply(record);
    Ok(())
}
