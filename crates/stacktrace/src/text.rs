//! The text parser: `Throwable.printStackTrace()` output, possibly inside logs.
//!
//! One pass over the lines, no recursion: the nesting of `Caused by:` and
//! `Suppressed:` blocks is tracked with a stack of the throwable open at each
//! indentation depth, which is how `Throwable.printEnclosedStackTrace` lays
//! them out: a throwable printed with prefix `P` has its frames and its
//! suppressed throwables at `P + "\t"` and its cause at `P`.

use faultline_model::{FailureRecord, Frame, RecordLimits, Relation, Throwable};

use crate::ParseError;

/// A throwable header: class and optional message.
struct Header<'a> {
    class: &'a str,
    message: Option<&'a str>,
}

/// What a line of a trace is.
enum Line<'a> {
    Frame(Frame),
    Omitted(u32),
    Caption {
        suppressed: bool,
        depth: usize,
        rest: &'a str,
    },
    Other,
}

/// Parses the first Java stack trace of `text` into a record (without
/// validation, truncation or origins).
pub(crate) fn parse_trace(text: &str) -> Result<FailureRecord, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    if text.contains('\0') {
        return Err(ParseError::NotText);
    }
    let lines = split_lines(text);
    let start = find_root(&lines).ok_or(ParseError::NoException)?;
    let (root_indent, _) = split_indent(lines[start.0]);
    let mut b = Builder {
        throwables: Vec::new(),
        open: Vec::new(),
        in_message: false,
        bracket_pending: false,
        space_unit: 0,
        base_tabs: root_indent.0,
        base_spaces: root_indent.1,
    };
    b.start_root(start.1);
    let max_frames = RecordLimits::default().max_frames;
    let mut cut = false;
    let mut i = start.0 + 1;
    while i < lines.len() {
        let raw = lines[i];
        i += 1;
        let mut line = classify(raw, &mut b);
        if matches!(line, Line::Other) {
            // A frame wrapped over two or three lines.
            if let Some((frame, used)) = wrapped_frame(&lines[i - 1..]) {
                let ((tabs, spaces), _) = split_indent(raw);
                b.depth(tabs, spaces, true);
                line = Line::Frame(frame);
                i += used - 1;
            }
        }
        match line {
            Line::Frame(frame) => {
                b.end_message();
                if let Some(t) = b.throwables.last_mut() {
                    if t.frames.len() < max_frames {
                        t.frames.push(frame);
                    } else {
                        // What `FailureRecord::truncate` would cut, never stored.
                        t.frames_omitted = t.frames_omitted.saturating_add(1);
                        cut = true;
                    }
                }
            }
            Line::Omitted(n) => {
                b.end_message();
                if let Some(t) = b.throwables.last_mut() {
                    t.frames_omitted = t.frames_omitted.saturating_add(n);
                }
            }
            Line::Caption {
                suppressed,
                depth,
                rest,
            } => {
                b.end_message();
                b.add_child(suppressed, depth, rest);
            }
            Line::Other => {
                let text = raw.trim_matches(is_indent);
                if b.in_message && !looks_like_log_line(text) {
                    if let Some(m) = b.throwables.last_mut().and_then(|t| t.message.as_mut()) {
                        m.push('\n');
                        m.push_str(raw);
                    }
                } else if b.in_message {
                    break; // a log line: the end of the first trace
                } else if !text.is_empty() {
                    // A stray line inside the frames (a note, a wrapped
                    // remnant) is skipped when the trace goes on right after
                    // it; anything else ends the first trace.
                    let goes_on = !looks_like_log_line(text)
                        && root_header(text).is_none()
                        && lines[i..]
                            .iter()
                            .take(2)
                            .any(|next| is_trace_line(next.trim_matches(is_indent)));
                    if !goes_on {
                        break;
                    }
                }
                // Blank lines between frames are skipped.
            }
        }
    }
    b.end_message();
    Ok(FailureRecord {
        throwables: b.throwables,
        truncated: cut,
        ..Default::default()
    })
}

/// Builds the flat throwable list.
struct Builder {
    throwables: Vec<Throwable>,
    /// `open[d]`: the throwable open at relative depth `d`.
    open: Vec<u32>,
    /// The last header's message may continue on the next lines.
    in_message: bool,
    /// The last header was a `[CIRCULAR REFERENCE: ...` whose `]` is still to come.
    bracket_pending: bool,
    /// Spaces per indentation level when a trace is indented with spaces (0: unknown).
    space_unit: usize,
    /// Indentation of the root header.
    base_tabs: usize,
    base_spaces: usize,
}

impl Builder {
    fn start_root(&mut self, header: Header<'_>) {
        self.push(header, None, Relation::Root, false);
        self.open.push(0);
    }

    fn push(
        &mut self,
        header: Header<'_>,
        parent: Option<u32>,
        relation: Relation,
        circular: bool,
    ) {
        self.in_message = header.message.is_some();
        self.throwables.push(Throwable {
            class: header.class.to_string(),
            message: header.message.map(str::to_string),
            frames: Vec::new(),
            frames_omitted: 0,
            parent,
            relation,
            circular,
        });
    }

    /// Adds a `Caused by:` or `Suppressed:` throwable found at `depth`.
    fn add_child(&mut self, suppressed: bool, depth: usize, rest: &str) {
        let index = u32::try_from(self.throwables.len()).unwrap_or(u32::MAX);
        if index == u32::MAX {
            return;
        }
        let (header, circular, pending) = match rest.strip_prefix("[CIRCULAR REFERENCE:") {
            Some(inner) => {
                let inner = inner.trim_start();
                match inner.strip_suffix(']') {
                    Some(inner) => (loose_header(inner), true, false),
                    None => (loose_header(inner), true, true),
                }
            }
            None => (loose_header(rest), false, false),
        };
        let last = self.open.len().saturating_sub(1);
        if suppressed {
            // A suppressed throwable at depth d belongs to the throwable open at d - 1.
            let pd = depth.max(1).saturating_sub(1).min(last);
            let parent = self.open.get(pd).copied().unwrap_or(0);
            self.open.truncate(pd + 1);
            self.push(header, Some(parent), Relation::Suppressed, circular);
            self.open.push(index);
        } else {
            // A cause at depth d belongs to the throwable open at d.
            let cd = depth.min(last);
            let parent = self.open.get(cd).copied().unwrap_or(0);
            self.open.truncate(cd + 1);
            self.push(header, Some(parent), Relation::Cause, circular);
            if let Some(slot) = self.open.get_mut(cd) {
                *slot = index;
            }
        }
        if circular {
            // A circular reference has no frames: whatever follows is not its own.
            self.bracket_pending = pending && self.in_message;
        }
    }

    /// Ends the continuation of the last header's message.
    fn end_message(&mut self) {
        if !self.in_message {
            return;
        }
        self.in_message = false;
        let pending = std::mem::take(&mut self.bracket_pending);
        if let Some(t) = self.throwables.last_mut()
            && let Some(m) = t.message.as_mut()
        {
            let trimmed = m.trim_end_matches(['\n', ' ', '\t']).len();
            m.truncate(trimmed);
            if pending && m.ends_with(']') {
                m.pop();
            }
        }
    }

    /// The depth of a line's indentation relative to the root header.
    fn depth(&mut self, tabs: usize, spaces: usize, frame: bool) -> usize {
        let tabs = tabs.saturating_sub(self.base_tabs);
        let spaces = spaces.saturating_sub(self.base_spaces);
        if spaces > 0 && self.space_unit == 0 && frame {
            // Frames sit one level below their throwable's header.
            let level = self.open.len().max(1);
            self.space_unit = (spaces / level).max(1);
        }
        let unit = if self.space_unit == 0 {
            4
        } else {
            self.space_unit
        };
        tabs + spaces / unit
    }
}

/// The cleaned lines of `text`: split at `\n` (or at `\r` when the text has
/// no `\n`, old Mac line endings).
fn split_lines(text: &str) -> Vec<&str> {
    if text.contains('\n') {
        text.split('\n').map(clean_line).collect()
    } else {
        text.split('\r').map(clean_line).collect()
    }
}

/// Strips trailing `\r`, a `kubectl logs --timestamps` RFC 3339 prefix and a
/// CRI `stdout F ` stream tag.
fn clean_line(line: &str) -> &str {
    let line = line.trim_end_matches('\r');
    let Some(rest) = strip_rfc3339(line) else {
        return line;
    };
    for tag in ["stdout F ", "stderr F ", "stdout P ", "stderr P "] {
        if let Some(r) = rest.strip_prefix(tag) {
            return r;
        }
    }
    rest
}

/// `2024-05-01T10:00:00.123Z rest` → `rest`.
fn strip_rfc3339(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T'))
    {
        return None;
    }
    if !(digits(11..13) && at(13, b':') && digits(14..16) && at(16, b':') && digits(17..19)) {
        return None;
    }
    let mut i = 19;
    if at(i, b'.') || at(i, b',') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if at(i, b'Z') {
        i += 1;
    } else if (at(i, b'+') || at(i, b'-')) && digits(i + 1..i + 3) {
        i += 3;
        if at(i, b':') {
            i += 1;
        }
        if digits(i..i + 2) {
            i += 2;
        }
    }
    if at(i, b' ') { line.get(i + 1..) } else { None }
}

/// A log line's start: `2024-05-01 10:00:00`, `2024-05-01T10:00:00`,
/// `[2024-05-01 10:00:00` or a time alone, `10:00:00,123`.
fn looks_like_log_line(line: &str) -> bool {
    let line = line.strip_prefix('[').unwrap_or(line);
    let b = line.as_bytes();
    let dated = b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[11..13].iter().all(u8::is_ascii_digit)
        && b[13] == b':';
    let timed = b.len() >= 9
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2] == b':'
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5] == b':'
        && b[6..8].iter().all(u8::is_ascii_digit)
        && matches!(b[8], b',' | b'.' | b' ');
    dated || timed
}

/// Indentation: spaces, tabs and the no-break and ideographic spaces that
/// web pages put into pasted traces.
fn is_indent(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{3000}')
}

/// Leading (tabs, spaces) and the rest.
fn split_indent(line: &str) -> ((usize, usize), &str) {
    let rest = line.trim_start_matches(is_indent);
    let indent = &line[..line.len() - rest.len()];
    let tabs = indent.bytes().filter(|&c| c == b'\t').count();
    ((tabs, indent.chars().count() - tabs), rest)
}

/// Finds the root header: the first line that, after an optional
/// `Caused by:`/`Suppressed:` caption (text pasted from the middle of a
/// trace) or `Exception in thread "…"` prefix, is a throwable header whose
/// class looks like an exception or that is directly followed by a trace line
/// (frame, caption, `... n more`); or that holds an exception header inside it
/// (`… switched from RUNNING to FAILED with failure cause: java.io.X: m`,
/// `[ERROR] org.x.YException: m`, `AsynchronousException{java.lang.X: m}`)
/// directly followed by a trace line. Failing those, the first exception
/// header inside a line anywhere. Returns its line index and header.
fn find_root<'a>(lines: &[&'a str]) -> Option<(usize, Header<'a>)> {
    let mut fallback = None;
    for (i, line) in lines.iter().enumerate() {
        let text = line.trim_matches(is_indent);
        if text.is_empty() {
            continue;
        }
        let confirmed = || {
            lines
                .get(i + 1)
                .is_some_and(|next| is_trace_line(next.trim_matches(is_indent)))
        };
        if let Some(header) = root_header(text)
            && (exception_like(header.class) || confirmed())
        {
            return Some((i, header));
        }
        if let Some(header) = braced_header(text).or_else(|| embedded_header(text)) {
            if confirmed() {
                return Some((i, header));
            }
            if fallback.is_none() {
                fallback = Some((i, header));
            }
        }
    }
    fallback
}

/// The header a (trimmed) line starts with, after an optional caption or
/// thread prefix.
fn root_header(text: &str) -> Option<Header<'_>> {
    let text = match caption(text) {
        Some((_, rest)) => rest,
        None => text,
    };
    strict_header(strip_thread_prefix(text))
}

/// `Caused by: rest` (also the `Cause by:` typo) or `Suppressed: rest`:
/// whether suppressed, and the rest.
fn caption(text: &str) -> Option<(bool, &str)> {
    let (suppressed, rest) = if let Some(rest) = text.strip_prefix("Caused by:") {
        (false, rest)
    } else if let Some(rest) = text.strip_prefix("Cause by:") {
        (false, rest)
    } else {
        (true, text.strip_prefix("Suppressed:")?)
    };
    Some((suppressed, rest.trim_start_matches(is_indent)))
}

/// `AsynchronousException{java.lang.Exception: m}`: a throwable whose
/// `toString` wraps its cause in braces (old Flink versions).
fn braced_header(text: &str) -> Option<Header<'_>> {
    let (class, inner) = text.split_once('{')?;
    let inner = inner.strip_suffix('}')?;
    (valid_class_name(class) && exception_suffix(class)).then_some(Header {
        class,
        message: Some(inner),
    })
}

/// The first exception header inside a (trimmed) line: a qualified class
/// name that looks like an exception, starting after a character that
/// cannot be part of a class name, followed by `:` or the end of the line.
/// Each character is looked at a bounded number of times.
fn embedded_header(text: &str) -> Option<Header<'_>> {
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        if !is_class_char(c) {
            at += c.len_utf8();
            continue;
        }
        let end = rest.find(|c: char| !is_class_char(c)).unwrap_or(rest.len());
        let class = &rest[..end];
        let after = &rest[end..];
        if valid_class_name(class) && exception_like(class) {
            if after.is_empty() {
                return Some(Header {
                    class,
                    message: None,
                });
            }
            if let Some(message) = after.strip_prefix(':') {
                return Some(Header {
                    class,
                    message: Some(message.strip_prefix(' ').unwrap_or(message)),
                });
            }
        }
        at += end;
    }
    None
}

/// A (trimmed) line that can only be part of a trace: a frame, a caption or
/// an omitted-frames line.
fn is_trace_line(text: &str) -> bool {
    caption(text).is_some()
        || parse_frame(text).is_some()
        || bare_frame(text).is_some()
        || parse_omitted(text).is_some()
}

/// `Exception in thread "main" java.lang.X: m` → `java.lang.X: m`.
fn strip_thread_prefix(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("Exception in thread \"") else {
        return text;
    };
    let mut from = 0;
    while let Some(pos) = rest[from..].find("\" ") {
        let candidate = &rest[from + pos + 2..];
        if strict_header(candidate).is_some() {
            return candidate;
        }
        from += pos + 2;
    }
    text
}

/// Throwables whose simple names do not say so.
const KNOWN_THROWABLES: &[&str] = &["java.lang.ThreadDeath", "java.lang.Throwable"];

/// A class name of an exception: qualified, and the simple name ends with
/// Exception, Error or Throwable (or a known throwable).
fn exception_like(class: &str) -> bool {
    class.contains('.') && (exception_suffix(class) || KNOWN_THROWABLES.contains(&class))
}

/// The simple name ends with Exception, Error or Throwable.
fn exception_suffix(class: &str) -> bool {
    let simple = class.rsplit(['.', '$']).next().unwrap_or(class);
    simple.ends_with("Exception") || simple.ends_with("Error") || simple.ends_with("Throwable")
}

/// A strict header: a valid Java binary class name, then nothing or `: message`.
fn strict_header(text: &str) -> Option<Header<'_>> {
    let end = text.find(|c: char| !is_class_char(c)).unwrap_or(text.len());
    let class = &text[..end];
    if !valid_class_name(class) {
        return None;
    }
    let rest = &text[end..];
    if rest.trim_end().is_empty() {
        return Some(Header {
            class,
            message: None,
        });
    }
    if let Some(inner) = remote_class(rest) {
        // Hadoop's RemoteException prints the server-side class in
        // parentheses: `...RemoteException(a.b.CException): message`. The
        // message keeps it, for rules to see the class that failed.
        return Some(Header {
            class,
            message: Some(inner),
        });
    }
    let message = rest.strip_prefix(':')?;
    Some(Header {
        class,
        message: Some(message.strip_prefix(' ').unwrap_or(message)),
    })
}

/// `(a.b.CException): message` (or without a message) after a class name:
/// the text from the parenthesis on.
fn remote_class(rest: &str) -> Option<&str> {
    let inner = rest.strip_prefix('(')?;
    let (name, after) = inner.split_once(')')?;
    let ok = valid_class_name(name)
        && name.contains('.')
        && (after.trim_end().is_empty() || after.starts_with(':'));
    ok.then_some(rest.trim_end())
}

/// A lenient header after a caption: falls back to the whole text as class name.
fn loose_header(text: &str) -> Header<'_> {
    if let Some(h) = strict_header(text) {
        return h;
    }
    match text.split_once(": ") {
        Some((class, message)) if !class.contains(char::is_whitespace) => Header {
            class,
            message: Some(message),
        },
        _ => Header {
            class: text.trim_end(),
            message: None,
        },
    }
}

fn is_class_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || c == '.'
}

fn valid_class_name(class: &str) -> bool {
    !class.is_empty()
        && class.split('.').all(|seg| {
            seg.chars().next().is_some_and(|c| !c.is_ascii_digit())
                && seg.chars().all(is_class_char)
        })
}

/// Classifies one (cleaned) line of a trace.
fn classify<'a>(raw: &'a str, b: &mut Builder) -> Line<'a> {
    let ((tabs, spaces), text) = split_indent(raw);
    if let Some((suppressed, rest)) = caption(text) {
        let depth = b.depth(tabs, spaces, false);
        return Line::Caption {
            suppressed,
            depth,
            rest,
        };
    }
    if let Some(frame) = parse_frame(text).or_else(|| bare_frame(text)) {
        b.depth(tabs, spaces, true);
        return Line::Frame(frame);
    }
    if let Some(n) = parse_omitted(text) {
        return Line::Omitted(n);
    }
    Line::Other
}

/// A frame wrapped over the first two or three of `lines` (by a terminal, a
/// web page or a mail client): the first line starts with `at ` but does
/// not end the frame. Returns the frame and the number of lines it took.
fn wrapped_frame(lines: &[&str]) -> Option<(Frame, usize)> {
    // Lines are wrapped at a width well beyond a few characters.
    const MIN_WRAPPED: usize = 40;
    const MAX_JOINED: usize = 2048;
    let first = lines.first()?.trim_matches(is_indent);
    let after_at = first.strip_prefix("at")?;
    if !after_at.starts_with(char::is_whitespace)
        || first.ends_with(')')
        || first.ends_with(']')
        || !(MIN_WRAPPED..=MAX_JOINED).contains(&first.len())
    {
        return None;
    }
    let mut joined = first.to_string();
    for (k, next) in lines.iter().enumerate().skip(1).take(2) {
        let next = next.trim_matches(is_indent);
        // The rest of a wrapped frame may look like a frame without `at `.
        if next.is_empty()
            || joined.len() + next.len() > MAX_JOINED
            || caption(next).is_some()
            || parse_frame(next).is_some()
            || parse_omitted(next).is_some()
            || looks_like_log_line(next)
        {
            return None;
        }
        joined.push_str(next);
        if let Some(frame) = parse_frame(&joined) {
            return Some((frame, k + 1));
        }
    }
    None
}

/// `... 12 more` or `... 12 common frames omitted`; a line of only dots or
/// ellipses (`...`, `……`: frames cut by whoever pasted the trace) omits an
/// unknown number, counted as 0.
fn parse_omitted(text: &str) -> Option<u32> {
    let text = text.trim_end_matches(is_indent);
    if text.len() >= 3 && text.chars().all(|c| c == '.' || c == '…') {
        return Some(0);
    }
    let rest = text.strip_prefix("...")?.trim_start();
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if digits_end == 0 {
        return None;
    }
    let tail = rest[digits_end..].trim();
    if tail != "more" && tail != "common frames omitted" {
        return None;
    }
    Some(
        rest[..digits_end]
            .parse::<u64>()
            .map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)),
    )
}

/// Parses `at [loader/][module[@version]/]pkg.Class.method(Location)[ ~[jar:version]]`.
pub(crate) fn parse_frame(text: &str) -> Option<Frame> {
    let rest = text.strip_prefix("at")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    frame_body(rest.trim())
}

/// A frame without its `at `, as some loggers and pastes leave it: only with
/// a telling location (`File.java:12`, `Native Method`, `Unknown Source`).
fn bare_frame(text: &str) -> Option<Frame> {
    let first = text.chars().next()?;
    if !(first.is_alphabetic() || first == '_' || first == '$') {
        return None;
    }
    let rest = strip_jar_suffix(text.trim_end());
    let frame = frame_body(rest)?;
    (frame.native || frame.line.is_some() || rest.ends_with("(Unknown Source)")).then_some(frame)
}

/// `[loader/][module[@version]/]pkg.Class.method(Location)[ ~[jar:version]]`.
fn frame_body(rest: &str) -> Option<Frame> {
    let rest = strip_jar_suffix(rest);
    let body = rest.strip_suffix(')')?;
    let open = body.rfind('(')?;
    let (qualified, location) = (&body[..open], &body[open + 1..]);
    if qualified.is_empty() || qualified.contains(char::is_whitespace) {
        return None;
    }
    let qualified = strip_loader_and_module(qualified);
    let dot = qualified.rfind('.')?;
    let (class, method) = (&qualified[..dot], &qualified[dot + 1..]);
    if class.is_empty() {
        return None;
    }
    // `com.mysql.jdbc.Buffer.(Buffer.java:62)`: a web page took `<init>` for
    // an HTML tag. Only a qualified class is trusted to be one.
    let method = match method {
        "" if class.contains('.') => "<init>",
        "" => return None,
        m => m,
    };
    let mut frame = Frame {
        class: class.to_string(),
        method: method.to_string(),
        ..Default::default()
    };
    match location {
        "Native Method" => frame.native = true,
        "Unknown Source" | "" => {}
        loc => match loc.rsplit_once(':') {
            Some((file, line)) if !line.is_empty() && line.bytes().all(|c| c.is_ascii_digit()) => {
                frame.file = Some(file.to_string());
                frame.line = line.parse().ok();
            }
            _ => frame.file = Some(loc.to_string()),
        },
    }
    Some(frame)
}

/// Drops a logback/log4j packaging suffix: ` ~[flink-dist-2.3.0.jar:2.3.0]`, ` [?:?]`.
fn strip_jar_suffix(text: &str) -> &str {
    if !text.ends_with(']') {
        return text;
    }
    match text.rfind('[') {
        Some(i) => {
            let before = text[..i].strip_suffix('~').unwrap_or(&text[..i]).trim_end();
            if before.ends_with(')') { before } else { text }
        }
        None => text,
    }
}

/// Drops `loader/`, `module/`, `module@version/` and `loader//`: everything up
/// to the last `/` that does not start a hidden-class suffix (`/0x…`, `/1234`).
fn strip_loader_and_module(qualified: &str) -> &str {
    let mut cut = 0;
    for (i, _) in qualified.match_indices('/') {
        let after = &qualified[i + 1..];
        // Up to the next `.` or `/`: each byte is looked at a bounded number of times.
        let segment = after.split(['.', '/']).next().unwrap_or(after);
        let hidden = !segment.is_empty()
            && (segment
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()))
                || segment.bytes().all(|c| c.is_ascii_digit()));
        if !hidden {
            cut = i + 1;
        }
    }
    &qualified[cut..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &str) -> Frame {
        parse_frame(s).unwrap_or_else(|| panic!("not a frame: {s}"))
    }

    #[test]
    fn frame_variants() {
        let f = frame("at org.apache.flink.runtime.taskmanager.Task.run(Task.java:566)");
        assert_eq!(
            (f.class.as_str(), f.method.as_str()),
            ("org.apache.flink.runtime.taskmanager.Task", "run")
        );
        assert_eq!(
            (f.file.as_deref(), f.line, f.native),
            (Some("Task.java"), Some(566), false)
        );

        let f = frame("at java.base/jdk.internal.misc.Unsafe.park(Native Method)");
        assert_eq!(
            (f.class.as_str(), f.method.as_str(), f.native),
            ("jdk.internal.misc.Unsafe", "park", true)
        );
        assert_eq!((f.file, f.line), (None, None));

        let f = frame("at com.acme.X.y(Unknown Source)");
        assert_eq!(
            (f.class.as_str(), f.file, f.line),
            ("com.acme.X", None, None)
        );

        let f = frame("at com.acme.X.y(X.java)");
        assert_eq!((f.file.as_deref(), f.line), (Some("X.java"), None));

        let f = frame("at com.acme.Job$$Lambda/0x0000000800c03000.apply(Unknown Source)");
        assert_eq!(
            (f.class.as_str(), f.method.as_str()),
            ("com.acme.Job$$Lambda/0x0000000800c03000", "apply")
        );

        let f = frame("at com.acme.Job$$Lambda$12/123456.apply(Unknown Source)");
        assert_eq!(f.class, "com.acme.Job$$Lambda$12/123456");

        let f = frame(
            "at java.base/java.lang.invoke.LambdaForm$DMH/0x00000008000c4000.invokeStatic(LambdaForm$DMH)",
        );
        assert_eq!(
            f.class,
            "java.lang.invoke.LambdaForm$DMH/0x00000008000c4000"
        );
        assert_eq!(
            (f.method.as_str(), f.file.as_deref()),
            ("invokeStatic", Some("LambdaForm$DMH"))
        );

        let f = frame("at app//com.acme.X.y(X.java:1)");
        assert_eq!((f.class.as_str(), f.line), ("com.acme.X", Some(1)));

        let f = frame("at java.base@17.0.15/java.lang.Thread.run(Thread.java:840)");
        assert_eq!(
            (f.class.as_str(), f.method.as_str(), f.line),
            ("java.lang.Thread", "run", Some(840))
        );

        let f = frame("at myloader/my.module@1.0/com.acme.X.y(X.java:7)");
        assert_eq!(f.class, "com.acme.X");

        let f = frame(
            "at org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:958) ~[flink-dist-2.3.0.jar:2.3.0]",
        );
        assert_eq!((f.method.as_str(), f.line), ("doRun", Some(958)));

        let f = frame("at java.lang.Thread.run(Thread.java:840) [?:?]");
        assert_eq!((f.class.as_str(), f.line), ("java.lang.Thread", Some(840)));

        let f = frame("at com.acme.Job.<init>(Job.java:3)");
        assert_eq!(f.method, "<init>");

        for bad in [
            "at least one (x)",
            "at foo",
            "at (X.java:1)",
            "at .m(X.java:1)",
            "at X.(X.java:1)",
            "at",
            "at x.y(",
        ] {
            assert!(parse_frame(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn omitted_variants() {
        assert_eq!(parse_omitted("... 12 more"), Some(12));
        assert_eq!(parse_omitted("... 3 common frames omitted"), Some(3));
        assert_eq!(parse_omitted("... 99999999999 more"), Some(u32::MAX));
        assert_eq!(parse_omitted("... more"), None);
        assert_eq!(parse_omitted("... 1 less"), None);
    }

    #[test]
    fn headers() {
        let h = strict_header("java.lang.IllegalStateException: boom: again").unwrap();
        assert_eq!(
            (h.class, h.message),
            ("java.lang.IllegalStateException", Some("boom: again"))
        );
        let h = strict_header("java.lang.NullPointerException").unwrap();
        assert_eq!(h.message, None);
        let h = strict_header("java.lang.RuntimeException: ").unwrap();
        assert_eq!(h.message, Some(""));
        assert!(strict_header("2024-05-01 10:00:00,123 ERROR x").is_none());
        assert!(strict_header("Job failed because of x").is_none());
        assert!(strict_header("a..b: x").is_none());
        let h = strict_header("org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException): No lease on /f").unwrap();
        assert_eq!(
            (h.class, h.message),
            (
                "org.apache.hadoop.ipc.RemoteException",
                Some(
                    "(org.apache.hadoop.hdfs.server.namenode.LeaseExpiredException): No lease on /f"
                )
            )
        );
        assert!(strict_header("a.B(not a class!): x").is_none());
        assert_eq!(
            strip_thread_prefix("Exception in thread \"a\" b\" java.lang.Error: x \" y"),
            "java.lang.Error: x \" y"
        );
    }

    #[test]
    fn embedded_and_braced_headers() {
        let h = embedded_header("x [] - A (1/1) switched from RUNNING to FAILED with failure cause: java.io.IOException: a: b").unwrap();
        assert_eq!((h.class, h.message), ("java.io.IOException", Some("a: b")));
        let h = embedded_header("[ERROR] org.apache.flink.table.api.SqlParserException").unwrap();
        assert_eq!(
            (h.class, h.message),
            ("org.apache.flink.table.api.SqlParserException", None)
        );
        for none in [
            "java -XX:+HeapDumpOnOutOfMemoryError -Xmx1g",
            "caught java.io.IOException while reading",
            "org.apache.flink.runtime.JobExceptionsHandler - x",
            "IOException: no package",
            "",
        ] {
            assert!(embedded_header(none).is_none(), "{none}");
        }
        let h = braced_header("AsynchronousException{java.lang.Exception: x}").unwrap();
        assert_eq!(
            (h.class, h.message),
            ("AsynchronousException", Some("java.lang.Exception: x"))
        );
        assert!(braced_header("WordCount{word='a', frequency=3}").is_none());
    }

    #[test]
    fn bare_and_wrapped_frames() {
        let f = bare_frame("org.apache.flink.runtime.taskmanager.Task.run(Task.java:566)").unwrap();
        assert_eq!((f.method.as_str(), f.line), ("run", Some(566)));
        assert!(
            bare_frame("java.lang.Thread.sleep(Native Method) ~[?:?]")
                .unwrap()
                .native
        );
        for none in [
            "a.b(c)",
            "foo.bar(x, y)",
            "com.acme.Job.main()",
            "\tat a.B.c(B.java:1)",
        ] {
            assert!(bare_frame(none).is_none(), "{none}");
        }
        let lines = [
            "\tat org.apache.flink.streaming.runtime.tasks.StreamTask$AsyncCheckpoint",
            "Runnable.run(StreamTask.java:884) ~[flink-dist_2.11-1.9.1.jar:1.9.1]",
            "\tat a.B.c(B.java:1)",
        ];
        let (f, used) = wrapped_frame(&lines).unwrap();
        assert_eq!(used, 2);
        assert_eq!(
            (f.class.as_str(), f.line),
            (
                "org.apache.flink.streaming.runtime.tasks.StreamTask$AsyncCheckpointRunnable",
                Some(884)
            )
        );
        assert!(wrapped_frame(&lines[1..]).is_none());
        assert!(wrapped_frame(&["\tat x", "y.z(Z.java:1)"]).is_none());
    }

    #[test]
    fn log_line_starts() {
        for log in [
            "2024-05-01 10:00:00,123 INFO x",
            "2024-05-01T10:00:00 x",
            "[2023-08-01 18:17:56.141]Container killed",
            "08:00:40,481 WARN  [] - x",
        ] {
            assert!(looks_like_log_line(log), "{log}");
        }
        for other in ["10:00", "line 2: x", "2024-05-01", "12:34:56"] {
            assert!(!looks_like_log_line(other), "{other}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            clean_line("2024-05-01T10:00:00.123Z \tat x.Y.z(Y.java:1)\r"),
            "\tat x.Y.z(Y.java:1)"
        );
        assert_eq!(
            clean_line("2024-05-01T10:00:00+02:00 java.lang.Error"),
            "java.lang.Error"
        );
        assert_eq!(
            clean_line("2024-05-01T10:00:00.1Z stderr F java.lang.Error"),
            "java.lang.Error"
        );
        assert_eq!(
            clean_line("2024-05-01 10:00:00,123 ERROR x"),
            "2024-05-01 10:00:00,123 ERROR x"
        );
        assert_eq!(clean_line("2024-05-01T1"), "2024-05-01T1");
    }
}
