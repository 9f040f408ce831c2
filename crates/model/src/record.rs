//! The failure record: a Java exception chain with frame origins and context.

use serde::{Deserialize, Serialize};

/// Where the code of a frame comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Nothing told where this class comes from.
    #[default]
    Unknown,
    /// The job's own code.
    User,
    /// Apache Flink, including its shaded dependencies.
    Flink,
    /// The Java platform.
    Jdk,
    /// A known third-party library.
    Library,
}

impl Origin {
    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Unknown => "unknown",
            Origin::User => "user",
            Origin::Flink => "flink",
            Origin::Jdk => "jdk",
            Origin::Library => "library",
        }
    }
}

/// One stack frame.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Frame {
    /// Fully qualified declaring class.
    pub class: String,
    /// Method name.
    pub method: String,
    /// Source file, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line number, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// A native method (`(Native Method)`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub native: bool,
    /// Where this frame's code comes from.
    #[serde(default)]
    pub origin: Origin,
}

/// How a throwable hangs off its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The top-level exception.
    #[default]
    Root,
    /// The parent's `Caused by:`.
    Cause,
    /// One of the parent's `Suppressed:`.
    Suppressed,
}

/// One exception of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Throwable {
    /// Fully qualified exception class.
    pub class: String,
    /// The message; `None` when `getMessage()` was null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Frames, innermost first.
    #[serde(default)]
    pub frames: Vec<Frame>,
    /// Frames Java elided as `... N more`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub frames_omitted: u32,
    /// Index of the parent throwable; `None` only for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// How this throwable hangs off its parent.
    #[serde(default)]
    pub relation: Relation,
    /// `[CIRCULAR REFERENCE: ...]`: a repeat of a throwable already in the chain.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub circular: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What kind of failure Flink reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureType {
    /// Not reported.
    #[default]
    Unknown,
    /// A job-wide failure.
    Global,
    /// A failure of one task.
    Task,
    /// A TaskManager failure.
    TaskManager,
}

/// Where and when a failure happened.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FailureContext {
    /// The Flink cluster's name in Faultline (`--flink NAME=URL`, or the plugin's
    /// `faultline.cluster`); with the job id it picks a job's canary treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtask_index: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_number: Option<u32>,
    pub failure_type: FailureType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_manager_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_manager_host: Option<String>,
    /// Milliseconds since the Unix epoch, in Flink's clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_ms: Option<i64>,
}

/// A failure to classify: a flat exception chain plus its context.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FailureRecord {
    #[serde(default)]
    pub context: FailureContext,
    /// `throwables[0]` is the top-level exception; parents come before children.
    pub throwables: Vec<Throwable>,
    /// The record was cut to size limits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Why a record is not well formed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("the record has no exception")]
    Empty,
    #[error("throwable 0 must be the root: no parent, relation \"root\"")]
    BadRoot,
    #[error("throwable {index}: parent {parent} must be an earlier throwable")]
    BadParent { index: usize, parent: u32 },
    #[error("throwable {index}: only throwable 0 may be the root")]
    SecondRoot { index: usize },
    #[error("throwable {index}: its parent {parent} already has a cause")]
    TwoCauses { index: usize, parent: u32 },
    #[error("record is not valid JSON: {0}")]
    Json(String),
}

/// Size limits a record is cut to before it reaches filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    /// Throwables kept; a deeper cause chain keeps its head and its root cause end.
    pub max_throwables: usize,
    /// Frames kept per throwable (innermost first).
    pub max_frames: usize,
    /// Bytes kept of a message or name.
    pub max_text: usize,
}

impl Default for RecordLimits {
    fn default() -> Self {
        RecordLimits {
            max_throwables: 64,
            max_frames: 256,
            max_text: 4096,
        }
    }
}

impl FailureRecord {
    /// A record of a single exception.
    pub fn single(class: impl Into<String>, message: Option<String>, frames: Vec<Frame>) -> Self {
        FailureRecord {
            context: FailureContext::default(),
            throwables: vec![Throwable {
                class: class.into(),
                message,
                frames,
                ..Default::default()
            }],
            truncated: false,
        }
    }

    /// Parses the JSON form (the serde form of this type) and validates it.
    pub fn from_json(text: &str) -> Result<Self, RecordError> {
        let record: FailureRecord =
            serde_json::from_str(text).map_err(|e| RecordError::Json(e.to_string()))?;
        record.validate()?;
        Ok(record)
    }

    /// Checks the invariants the flat layout promises: one root first, parents
    /// before children (hence no cycles), at most one cause per throwable.
    pub fn validate(&self) -> Result<(), RecordError> {
        let root = self.throwables.first().ok_or(RecordError::Empty)?;
        if root.parent.is_some() || root.relation != Relation::Root {
            return Err(RecordError::BadRoot);
        }
        let mut has_cause = vec![false; self.throwables.len()];
        for (index, t) in self.throwables.iter().enumerate().skip(1) {
            let parent = match t.parent {
                Some(p) if (p as usize) < index => p,
                Some(p) => return Err(RecordError::BadParent { index, parent: p }),
                None => return Err(RecordError::SecondRoot { index }),
            };
            match t.relation {
                Relation::Root => return Err(RecordError::SecondRoot { index }),
                Relation::Cause if has_cause[parent as usize] => {
                    return Err(RecordError::TwoCauses { index, parent });
                }
                Relation::Cause => has_cause[parent as usize] = true,
                Relation::Suppressed => {}
            }
        }
        Ok(())
    }

    /// The top-level exception.
    pub fn root(&self) -> Option<&Throwable> {
        self.throwables.first()
    }

    /// Indexes of the `Caused by:` spine, from the top-level exception down to the root cause.
    pub fn cause_chain(&self) -> Vec<usize> {
        let mut cause_of = vec![None; self.throwables.len()];
        for (i, t) in self.throwables.iter().enumerate() {
            if let (Some(p), Relation::Cause) = (t.parent, t.relation)
                && let Some(slot) = cause_of.get_mut(p as usize)
            {
                slot.get_or_insert(i);
            }
        }
        let mut chain = Vec::new();
        let mut at = if self.throwables.is_empty() {
            None
        } else {
            Some(0)
        };
        while let Some(i) = at {
            if chain.len() > self.throwables.len() {
                break; // only reachable on an unvalidated, cyclic record
            }
            chain.push(i);
            at = cause_of[i];
        }
        chain
    }

    /// The deepest non-circular exception of the `Caused by:` spine.
    pub fn root_cause(&self) -> Option<&Throwable> {
        self.cause_chain()
            .into_iter()
            .rev()
            .map(|i| &self.throwables[i])
            .find(|t| !t.circular)
    }

    /// True when nothing of the record is over `limits`.
    pub fn fits(&self, limits: &RecordLimits) -> bool {
        let short = |s: &str| s.len() <= limits.max_text;
        self.throwables.len() <= limits.max_throwables.max(2)
            && self.throwables.iter().all(|t| {
                t.frames.len() <= limits.max_frames
                    && short(&t.class)
                    && t.message.as_deref().is_none_or(short)
                    && t.frames.iter().all(|f| short(&f.class) && short(&f.method))
            })
    }

    /// Cuts the record to `limits`, keeping the head of a deep cause chain and
    /// its root-cause end, and sets `truncated` when anything was cut.
    pub fn truncate(&mut self, limits: &RecordLimits) {
        let mut cut = false;
        if self.throwables.len() > limits.max_throwables.max(2) {
            cut = true;
            self.keep_throwables(limits.max_throwables.max(2));
        }
        for t in &mut self.throwables {
            if t.frames.len() > limits.max_frames {
                cut = true;
                t.frames_omitted = t.frames_omitted.saturating_add(
                    u32::try_from(t.frames.len() - limits.max_frames).unwrap_or(u32::MAX),
                );
                t.frames.truncate(limits.max_frames);
            }
            cut |= cut_text(&mut t.class, limits.max_text);
            if let Some(m) = &mut t.message {
                cut |= cut_middle(m, limits.max_text);
            }
            for f in &mut t.frames {
                cut |= cut_text(&mut f.class, limits.max_text);
                cut |= cut_text(&mut f.method, limits.max_text);
            }
        }
        self.truncated |= cut;
    }

    /// Keeps `max` throwables: the first half of the cause spine and of the
    /// rest, and the last causes down to the root cause, re-linking the kept
    /// spine so that it stays one chain.
    fn keep_throwables(&mut self, max: usize) {
        let spine = self.cause_chain();
        let head = max / 2;
        let tail = max - head;
        let mut keep = vec![false; self.throwables.len()];
        if spine.len() > max {
            for &i in spine
                .iter()
                .take(head)
                .chain(spine.iter().skip(spine.len() - tail))
            {
                keep[i] = true;
            }
        } else {
            for &i in &spine {
                keep[i] = true;
            }
            let mut budget = max - spine.len();
            for k in keep.iter_mut() {
                if budget == 0 {
                    break;
                }
                if !*k {
                    *k = true;
                    budget -= 1;
                }
            }
        }
        // Re-link: a kept throwable whose parent was dropped hangs off its
        // nearest kept ancestor (for the spine: the last kept cause above it).
        let mut new_index = vec![None; self.throwables.len()];
        let mut out: Vec<Throwable> = Vec::with_capacity(max);
        let old = std::mem::take(&mut self.throwables);
        let mut last_spine_kept: Option<u32> = None;
        let on_spine: std::collections::HashSet<usize> = spine.into_iter().collect();
        for (i, mut t) in old.into_iter().enumerate() {
            if !keep[i] {
                continue;
            }
            let mut parent = t.parent;
            while let Some(p) = parent {
                if let Some(n) = new_index[p as usize] {
                    parent = Some(n);
                    break;
                }
                parent = None;
                if on_spine.contains(&i) {
                    parent = last_spine_kept;
                    break;
                }
            }
            t.parent = parent;
            if t.parent.is_none() && i != 0 {
                // Its ancestors were all dropped: keep it as a suppressed note of the root.
                t.parent = Some(0);
                t.relation = Relation::Suppressed;
            }
            let n = out.len() as u32;
            if on_spine.contains(&i) {
                last_spine_kept = Some(n);
            }
            new_index[i] = Some(n);
            out.push(t);
        }
        self.throwables = out;
    }
}

/// Cuts `s` to at most `max` bytes on a character boundary; true when cut.
fn cut_text(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    s.truncate(floor_boundary(s, max));
    true
}

/// What replaces the middle of a message cut by [`cut_middle`].
const CUT_MARK: &str = "\n[...]\n";

/// Cuts a message to at most `max` bytes keeping a quarter from its start
/// and the rest from its end: a long message's last lines (the innermost
/// frames of a quoted Python traceback, a wrapped error's own words) say as
/// much about the failure as its first.
fn cut_middle(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    if max < 4 * CUT_MARK.len() {
        return cut_text(s, max);
    }
    let room = max - CUT_MARK.len();
    let head = floor_boundary(s, room / 4);
    let tail = ceil_boundary(s, s.len() - (room - head));
    let end = s[tail..].to_owned();
    s.truncate(head);
    s.push_str(CUT_MARK);
    s.push_str(&end);
    true
}

/// The largest char boundary of `s` at or below `at`.
fn floor_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The smallest char boundary of `s` at or above `at`.
fn ceil_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> FailureRecord {
        let mut r = FailureRecord::single("E0", None, vec![]);
        for i in 1..n {
            r.throwables.push(Throwable {
                class: format!("E{i}"),
                parent: Some(i as u32 - 1),
                relation: Relation::Cause,
                ..Default::default()
            });
        }
        r
    }

    #[test]
    fn cause_chain_and_root_cause() {
        let r = chain(4);
        assert_eq!(r.cause_chain(), vec![0, 1, 2, 3]);
        assert_eq!(r.root_cause().map(|t| t.class.as_str()), Some("E3"));
        r.validate().unwrap();
    }

    #[test]
    fn validate_refuses_forward_parent_and_double_cause() {
        let mut r = chain(3);
        r.throwables[1].parent = Some(2);
        assert_eq!(
            r.validate(),
            Err(RecordError::BadParent {
                index: 1,
                parent: 2
            })
        );
        let mut r = chain(3);
        r.throwables[2].parent = Some(0);
        assert_eq!(
            r.validate(),
            Err(RecordError::TwoCauses {
                index: 2,
                parent: 0
            })
        );
        assert_eq!(FailureRecord::default().validate(), Err(RecordError::Empty));
    }

    #[test]
    fn deep_chain_keeps_head_and_root_cause() {
        let mut r = chain(10_000);
        r.truncate(&RecordLimits::default());
        assert!(r.truncated);
        assert_eq!(r.throwables.len(), 64);
        r.validate().unwrap();
        let spine = r.cause_chain();
        assert_eq!(spine.len(), 64);
        assert_eq!(r.throwables[spine[0]].class, "E0");
        assert_eq!(r.root_cause().unwrap().class, "E9999");
    }

    #[test]
    fn truncate_cuts_text_on_char_boundary() {
        let mut r = FailureRecord::single("é".repeat(5000), Some("é".repeat(5000)), vec![]);
        r.truncate(&RecordLimits::default());
        let c = &r.throwables[0].class;
        assert!(c.len() <= 4096 && c.chars().all(|c| c == 'é'));
        let m = r.throwables[0].message.as_ref().unwrap();
        let (head, tail) = m.split_once(CUT_MARK).unwrap();
        assert!(m.len() <= 4096 && (head.len() + tail.len()) > 4000);
        assert!(head.chars().chain(tail.chars()).all(|c| c == 'é'));
    }

    #[test]
    fn a_long_message_keeps_its_start_and_its_end() {
        let lines: Vec<String> = (0..1000).map(|i| format!("line {i}")).collect();
        let mut r = FailureRecord::single("E", Some(lines.join("\n")), vec![]);
        r.truncate(&RecordLimits::default());
        assert!(r.truncated);
        let m = r.throwables[0].message.as_ref().unwrap();
        assert!(m.len() <= 4096);
        assert!(m.starts_with("line 0\nline 1\n") && m.ends_with("line 998\nline 999"));
        assert!(m.contains(CUT_MARK));
        // Tiny limits still hold.
        for max in [0, 1, 5, 31, 32, 33] {
            let mut r = FailureRecord::single("E", Some("é".repeat(100)), vec![]);
            r.truncate(&RecordLimits {
                max_text: max,
                ..RecordLimits::default()
            });
            assert!(
                r.throwables[0].message.as_ref().unwrap().len() <= max,
                "{max}"
            );
        }
    }

    #[test]
    fn json_round_trip() {
        let r = chain(3);
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(FailureRecord::from_json(&text).unwrap(), r);
        assert!(matches!(
            FailureRecord::from_json("{"),
            Err(RecordError::Json(_))
        ));
    }
}
