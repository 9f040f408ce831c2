//! JSON inputs: failure records and Flink exception-history entries.

use faultline_model::{FailureContext, FailureRecord, FailureType, RecordError};
use serde_json::{Map, Value};

use crate::{OriginRules, ParseError, finish, text};

/// Parses the first JSON object of `text` (one object, or the first line of JSON lines).
pub(crate) fn parse_json(text: &str, rules: &OriginRules) -> Result<FailureRecord, ParseError> {
    let value = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .ok_or(ParseError::Empty)?
        .map_err(|e| ParseError::Json(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(ParseError::Json("expected a JSON object".into()));
    };
    if object.contains_key("throwables") {
        let mut record: FailureRecord = serde_json::from_value(Value::Object(object))
            .map_err(|e| ParseError::Json(format!("not a failure record: {e}")))?;
        record.validate().map_err(|e| match e {
            RecordError::Json(m) => ParseError::Json(m),
            e => ParseError::InvalidRecord(e),
        })?;
        finish(&mut record, rules)?;
        return Ok(record);
    }
    if object.contains_key("stacktrace") {
        return history_entry(&object, rules);
    }
    // A whole `/jobs/:jobid/exceptions` response: its latest history entry.
    if let Some(entry) = object
        .get("exceptionHistory")
        .and_then(|h| h.get("entries"))
        .and_then(Value::as_array)
        .and_then(|entries| entries.first())
        .and_then(Value::as_object)
        && entry.contains_key("stacktrace")
    {
        return history_entry(entry, rules);
    }
    Err(ParseError::Json(
        "a JSON object needs a \"throwables\" (failure record) or \"stacktrace\" (Flink exception history entry) field"
            .into(),
    ))
}

/// A Flink REST exception-history entry (or a corpus line of the same shape).
///
/// Flink's entries do not say the failure type, so it is guessed: `Task` when
/// a `taskName` is present (the failure was reported by one task), otherwise
/// `Global`. A `failureType` field, when present, wins over the guess.
fn history_entry(
    entry: &Map<String, Value>,
    rules: &OriginRules,
) -> Result<FailureRecord, ParseError> {
    let stacktrace = match entry.get("stacktrace") {
        Some(Value::String(s)) => s.as_str(),
        Some(Value::Null) | None => "",
        Some(_) => {
            return Err(ParseError::Json(
                "field \"stacktrace\" must be a string".into(),
            ));
        }
    };
    let str_field = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| entry.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut record = match text::parse_trace(stacktrace) {
        Ok(record) => record,
        // No parsable trace: the exception's class name, else the text as a message.
        Err(ParseError::Empty | ParseError::NoException) => match str_field(&["exceptionName"]) {
            Some(name) => FailureRecord::single(name, None, Vec::new()),
            None => crate::message_record(stacktrace)?,
        },
        Err(e) => return Err(e),
    };
    let task_name = str_field(&["taskName", "task_name"]);
    let failure_type = str_field(&["failureType", "failure_type"])
        .and_then(|s| failure_type(&s))
        .unwrap_or(if task_name.is_some() {
            FailureType::Task
        } else {
            FailureType::Global
        });
    let int_field = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| entry.get(*k).and_then(Value::as_i64))
    };
    record.context = FailureContext {
        cluster: str_field(&["cluster"]),
        job_id: str_field(&["jobId", "job_id"]),
        job_name: str_field(&["jobName", "job_name"]),
        task_name,
        subtask_index: int_field(&["subtaskIndex", "subtask_index"])
            .and_then(|n| u32::try_from(n).ok()),
        attempt_number: int_field(&["attemptNumber", "attempt_number"])
            .and_then(|n| u32::try_from(n).ok()),
        failure_type,
        task_manager_id: str_field(&["taskManagerId", "task_manager_id"]),
        task_manager_host: str_field(&["endpoint", "location"]).and_then(|s| host_of(&s)),
        timestamp_ms: int_field(&["timestamp", "timestamp_ms"]),
    };
    finish(&mut record, rules)?;
    Ok(record)
}

/// `GLOBAL`, `task`, `TASK_MANAGER`, `task-manager` → the failure type.
fn failure_type(s: &str) -> Option<FailureType> {
    match s.to_ascii_lowercase().replace('-', "_").as_str() {
        "global" => Some(FailureType::Global),
        "task" => Some(FailureType::Task),
        "task_manager" | "taskmanager" => Some(FailureType::TaskManager),
        "unknown" => Some(FailureType::Unknown),
        _ => None,
    }
}

/// The host of `host:port`, `[v6]:port`, or a bare host.
fn host_of(endpoint: &str) -> Option<String> {
    let s = endpoint.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let host = if let Some(rest) = s.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(h, _)| h)
    } else {
        match s.rsplit_once(':') {
            Some((h, port)) if !h.contains(':') && port.bytes().all(|c| c.is_ascii_digit()) => h,
            _ => s,
        }
    };
    let host = host.trim();
    (!host.is_empty() && !host.starts_with('(')).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host_of("tm-1.example:6121").as_deref(),
            Some("tm-1.example")
        );
        assert_eq!(host_of("10.0.0.7:39121").as_deref(), Some("10.0.0.7"));
        assert_eq!(host_of("[::1]:6121").as_deref(), Some("::1"));
        assert_eq!(host_of("localhost").as_deref(), Some("localhost"));
        assert_eq!(host_of("(unassigned)"), None);
        assert_eq!(host_of(""), None);
    }

    #[test]
    fn failure_types() {
        assert_eq!(failure_type("TASK_MANAGER"), Some(FailureType::TaskManager));
        assert_eq!(failure_type("task-manager"), Some(FailureType::TaskManager));
        assert_eq!(failure_type("GLOBAL"), Some(FailureType::Global));
        assert_eq!(failure_type("x"), None);
    }
}
