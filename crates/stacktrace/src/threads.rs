//! Thread dumps into the model's stuck sample: `jstack` output (also
//! `jcmd PID Thread.print` and `kill -3`), `ThreadInfo.toString()` text, Flink's
//! `/taskmanagers/:id/thread-dump` JSON, and a JSON stuck sample as such.
//!
//! Locks are named `class@address` (`java.lang.Object@0x000000069ec1b530` from
//! jstack's `<0x…> (a java.lang.Object)`, `java.lang.Object@24d46ca6` as
//! `ThreadInfo` prints it), the same way in `waiting_on` and `locks_held`, so a
//! waiter finds the lock's owner: `lock_owner` is filled from the holder of the
//! lock (or `owned by` / jstack's deadlock report when they say more).

use faultline_model::{Frame, HeldLock, StuckSample, ThreadSample, ThreadState};
use serde_json::Value;

use crate::OriginRules;
use crate::text::parse_frame;

/// Limits that keep a huge or hostile dump bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpLimits {
    /// Threads kept (the first ones of the dump).
    pub max_threads: usize,
    /// Frames kept per thread (innermost first).
    pub max_frames: usize,
    /// Locks kept per thread.
    pub max_locks: usize,
    /// Bytes kept of a thread or lock name.
    pub max_text: usize,
}

impl Default for DumpLimits {
    fn default() -> Self {
        DumpLimits {
            max_threads: 2048,
            max_frames: 256,
            max_locks: 64,
            max_text: 1024,
        }
    }
}

/// Why an input could not be read as a thread dump.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThreadDumpError {
    /// The input is empty or only whitespace.
    #[error("the thread dump is empty")]
    Empty,
    /// The input contains NUL bytes or is not valid UTF-8.
    #[error("the thread dump is not text (NUL bytes or invalid UTF-8)")]
    NotText,
    /// No thread header was recognised.
    #[error(
        "no thread found in the input (expected jstack output with lines like `\"main\" #1 prio=5 ...`, \
         or Flink's thread-dump JSON with `threadInfos`)"
    )]
    NoThreads,
    /// The input looked like JSON but is not valid or not of a known shape.
    #[error("invalid thread-dump JSON: {0}")]
    Json(String),
}

/// Reads a thread dump (text or JSON, UTF-8 with an optional BOM) into a
/// stuck sample with frame origins from `rules` and default limits.
///
/// Task threads are told by Flink's naming (`Map -> Sink (1/2)#0`, see
/// [`is_task_thread_name`]). Context and progress are left empty (a JSON
/// stuck sample keeps its own).
pub fn parse_thread_dump(
    bytes: &[u8],
    rules: &OriginRules,
) -> Result<StuckSample, ThreadDumpError> {
    parse_thread_dump_with(bytes, rules, &DumpLimits::default())
}

/// [`parse_thread_dump`] with explicit limits.
pub fn parse_thread_dump_with(
    bytes: &[u8],
    rules: &OriginRules,
    limits: &DumpLimits,
) -> Result<StuckSample, ThreadDumpError> {
    if bytes.contains(&0) {
        return Err(ThreadDumpError::NotText);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ThreadDumpError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ThreadDumpError::Empty);
    }
    let mut sample = if trimmed.starts_with('{') {
        json_dump(trimmed, limits)?
    } else {
        StuckSample {
            threads: text_dump(text, limits)?,
            ..Default::default()
        }
    };
    for t in &mut sample.threads {
        for f in &mut t.frames {
            if f.origin == faultline_model::Origin::Unknown {
                f.origin = rules.origin(&f.class);
            }
        }
    }
    Ok(sample)
}

/// True for Flink's task thread names: `TASK (i/n)` with an optional
/// `#attempt` (Flink 1.12+), also `Legacy Source Thread - TASK (i/n)`.
pub fn is_task_thread_name(name: &str) -> bool {
    let rest = match name.rfind(")#") {
        Some(i) if name[i + 2..].bytes().all(|b| b.is_ascii_digit()) && i + 2 < name.len() => {
            &name[..=i]
        }
        _ => name,
    };
    let Some(inner) = rest.strip_suffix(')') else {
        return false;
    };
    let Some(open) = inner.rfind(" (") else {
        return false;
    };
    let Some((i, n)) = inner[open + 2..].split_once('/') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    open > 0 && digits(i) && digits(n)
}

fn json_dump(text: &str, limits: &DumpLimits) -> Result<StuckSample, ThreadDumpError> {
    let value: Value = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
        .ok_or(ThreadDumpError::Empty)?
        .map_err(|e| ThreadDumpError::Json(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(ThreadDumpError::Json("expected a JSON object".into()));
    };
    if let Some(infos) = object.get("threadInfos") {
        let infos = infos
            .as_array()
            .ok_or_else(|| ThreadDumpError::Json("`threadInfos` is not an array".into()))?;
        let mut joined = String::new();
        for info in infos {
            let s = info
                .get("stringifiedThreadInfo")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ThreadDumpError::Json(
                        "a `threadInfos` entry has no string `stringifiedThreadInfo`".into(),
                    )
                })?;
            joined.push_str(s);
            joined.push('\n');
        }
        return Ok(StuckSample {
            threads: text_dump(&joined, limits)?,
            ..Default::default()
        });
    }
    if object.contains_key("threads") {
        let mut sample: StuckSample = serde_json::from_value(Value::Object(object))
            .map_err(|e| ThreadDumpError::Json(format!("not a stuck sample: {e}")))?;
        if sample.threads.is_empty() {
            return Err(ThreadDumpError::NoThreads);
        }
        sample.threads.truncate(limits.max_threads);
        let n = sample.threads.len();
        for t in &mut sample.threads {
            bound_thread(t, limits);
            t.lock_owner = t.lock_owner.filter(|&o| (o as usize) < n);
        }
        return Ok(sample);
    }
    Err(ThreadDumpError::Json(
        "expected Flink's thread dump (`threadInfos`) or a stuck sample (`threads`)".into(),
    ))
}

fn bound_thread(t: &mut ThreadSample, limits: &DumpLimits) {
    cut(&mut t.name, limits.max_text);
    t.frames.truncate(limits.max_frames);
    t.locks_held.truncate(limits.max_locks);
    for l in &mut t.locks_held {
        cut(&mut l.lock, limits.max_text);
    }
    if let Some(w) = &mut t.waiting_on {
        cut(w, limits.max_text);
    }
}

fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}

/// A thread being read, with what only names say about its lock's owner.
struct Pending {
    sample: ThreadSample,
    owner_name: Option<String>,
    owner_id: Option<i64>,
}

fn text_dump(text: &str, limits: &DumpLimits) -> Result<Vec<ThreadSample>, ThreadDumpError> {
    let mut threads: Vec<Pending> = Vec::new();
    // Of jstack's deadlock report: (waiter, holder) by name.
    let mut held_by: Vec<(String, String)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut in_deadlock = false;
    let mut in_synchronizers = false;
    let mut waiter: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim();
        if t.starts_with("Found one Java-level deadlock")
            || (t.starts_with("Found ") && t.contains("Java-level deadlocks"))
        {
            in_deadlock = true;
            current = None;
            continue;
        }
        if in_deadlock {
            // The report, then the stacks of its threads again, until `Found N deadlock(s).`
            if t.starts_with("Found ") && t.contains("deadlock") {
                in_deadlock = false;
            } else if let Some(name) = t.strip_prefix('"').and_then(|r| r.strip_suffix("\":")) {
                waiter = Some(name.to_owned());
            } else if let Some(holder) = t
                .strip_prefix("which is held by \"")
                .and_then(|r| r.rfind('"').map(|i| &r[..i]))
                && let Some(w) = waiter.take()
                && held_by.len() < limits.max_threads
            {
                held_by.push((w, holder.to_owned()));
            } else if t.starts_with("Java stack information") {
                waiter = None;
            }
            continue;
        }
        if let Some(p) = header(line, limits) {
            in_synchronizers = false;
            if threads.len() >= limits.max_threads {
                current = None;
                continue;
            }
            threads.push(p);
            current = Some(threads.len() - 1);
            continue;
        }
        let Some(i) = current else { continue };
        let p = &mut threads[i];
        let th = &mut p.sample;
        if t.is_empty() {
            continue;
        }
        if let Some(state) = t.strip_prefix("java.lang.Thread.State:") {
            th.state = state_of(state.split_whitespace().next().unwrap_or(""));
        } else if t.starts_with("at ") {
            in_synchronizers = false;
            if th.frames.len() < limits.max_frames
                && let Some(frame) = jstack_frame(t)
            {
                th.frames.push(frame);
            }
        } else if t == "Locked ownable synchronizers:"
            || t.starts_with("Number of locked synchronizers")
        {
            in_synchronizers = true;
        } else if let Some(rest) = t.strip_prefix('-') {
            let rest = rest.trim_start();
            if in_synchronizers {
                if let Some(lock) = lock_name(rest, limits) {
                    hold(th, lock, limits);
                }
                continue;
            }
            let (held, what) = if let Some(r) = rest.strip_prefix("locked ") {
                (true, r)
            } else if let Some(r) = [
                "waiting to lock ",
                "waiting on ",
                "blocked on ",
                "parking to wait for ",
            ]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
            {
                (false, r)
            } else {
                continue;
            };
            let Some(lock) = lock_name(what.trim(), limits) else {
                continue;
            };
            if held {
                // `Object.wait()` gave the monitor back: jstack still lists it as locked.
                if th.waiting_on.as_deref() != Some(lock.as_str()) {
                    hold(th, lock, limits);
                }
            } else if th.waiting_on.is_none() {
                th.waiting_on = Some(lock);
            }
        }
    }
    if threads.is_empty() {
        return Err(ThreadDumpError::NoThreads);
    }
    // Owners: `owned by` (ThreadInfo), jstack's deadlock report, else the holder of the lock.
    let owners: Vec<Option<u32>> = threads
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let by_id = p.owner_id.and_then(|id| {
                threads
                    .iter()
                    .position(|q| q.sample.thread_id == Some(id) && q.owner_name_matches(p))
            });
            let by_name = || {
                let name = p.owner_name.as_deref().or_else(|| {
                    held_by
                        .iter()
                        .find(|(w, _)| *w == p.sample.name)
                        .map(|(_, h)| h.as_str())
                })?;
                threads.iter().position(|q| q.sample.name == name)
            };
            let by_lock = || {
                let lock = p.sample.waiting_on.as_deref()?;
                threads
                    .iter()
                    .enumerate()
                    .position(|(j, q)| j != i && q.sample.locks_held.iter().any(|l| l.lock == lock))
            };
            by_id
                .or_else(by_name)
                .or_else(by_lock)
                .filter(|&o| o != i)
                .and_then(|o| u32::try_from(o).ok())
        })
        .collect();
    Ok(threads
        .into_iter()
        .zip(owners)
        .map(|(p, owner)| {
            let mut t = p.sample;
            t.lock_owner = owner;
            t.task_thread = is_task_thread_name(&t.name);
            t
        })
        .collect())
}

impl Pending {
    /// The owner found by id is the one named (ids repeat across merged dumps).
    fn owner_name_matches(&self, waiter: &Pending) -> bool {
        waiter
            .owner_name
            .as_deref()
            .is_none_or(|n| n == self.sample.name)
    }
}

/// A frame, also with jstack's module inside the location:
/// `at java.lang.Thread.sleep(java.base@17.0.15/Native Method)`.
fn jstack_frame(line: &str) -> Option<Frame> {
    if let Some(open) = line.rfind('(')
        && let Some(slash) = line[open..].rfind('/')
        && line.ends_with(')')
    {
        let fixed = format!("{}{}", &line[..=open], &line[open + slash + 1..]);
        return parse_frame(&fixed);
    }
    parse_frame(line)
}

fn hold(th: &mut ThreadSample, lock: String, limits: &DumpLimits) {
    if th.locks_held.len() < limits.max_locks && !th.locks_held.iter().any(|l| l.lock == lock) {
        th.locks_held.push(HeldLock {
            frame_depth: u32::try_from(th.frames.len().saturating_sub(1)).unwrap_or(u32::MAX),
            lock,
        });
    }
}

/// `<0x…> (a pkg.Class)` as `pkg.Class@0x…`; `pkg.Class@1b6d3586` as it is.
fn lock_name(text: &str, limits: &DumpLimits) -> Option<String> {
    let mut name = if let Some(rest) = text.strip_prefix('<') {
        let (address, rest) = rest.split_once('>')?;
        if !address.starts_with("0x") {
            // `<no object reference available>`
            return None;
        }
        let class = rest
            .trim()
            .strip_prefix("(a ")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or("");
        format!("{class}@{address}")
    } else {
        let word = text.split_whitespace().next()?;
        if !word.contains('@') {
            return None;
        }
        word.to_owned()
    };
    cut(&mut name, limits.max_text);
    Some(name)
}

fn state_of(word: &str) -> ThreadState {
    match word {
        "NEW" => ThreadState::New,
        "RUNNABLE" => ThreadState::Runnable,
        "BLOCKED" => ThreadState::Blocked,
        "WAITING" => ThreadState::Waiting,
        "TIMED_WAITING" => ThreadState::TimedWaiting,
        "TERMINATED" => ThreadState::Terminated,
        _ => ThreadState::Unknown,
    }
}

/// A thread header: jstack's `"name" #12 daemon prio=5 … tid=… nid=… state`
/// (also of VM threads without `#id`) or ThreadInfo's `"name" daemon prio=5
/// Id=12 BLOCKED on L owned by "o" Id=13`.
fn header(line: &str, limits: &DumpLimits) -> Option<Pending> {
    let rest = line.strip_prefix('"')?;
    const AFTER: [&str; 5] = [" #", " daemon", " prio=", " os_prio=", " Id="];
    let end = rest
        .match_indices('"')
        .map(|(i, _)| i)
        .find(|&i| AFTER.iter().any(|a| rest[i + 1..].starts_with(a)))?;
    let mut name = rest[..end].to_owned();
    cut(&mut name, limits.max_text);
    let attrs = &rest[end + 1..];
    let mut sample = ThreadSample {
        name,
        ..Default::default()
    };
    let mut pending = Pending {
        sample: ThreadSample::default(),
        owner_name: None,
        owner_id: None,
    };
    if let Some(id) = attrs.strip_prefix(" #") {
        sample.thread_id = leading_number(id);
    }
    if let Some(at) = attrs.find(" Id=") {
        // ThreadInfo: `Id=12 STATE[ on LOCK][ owned by "o" Id=13]`.
        let after = &attrs[at + 4..];
        sample.thread_id = leading_number(after);
        let mut words = after.splitn(2, ' ');
        words.next();
        let tail = words.next().unwrap_or("");
        let (state, tail) = tail.split_once(' ').unwrap_or((tail, ""));
        sample.state = state_of(state);
        if let Some(on) = tail.strip_prefix("on ") {
            let (lock, owner) = match on.split_once(" owned by \"") {
                Some((lock, owner)) => (lock, Some(owner)),
                None => (on, None),
            };
            sample.waiting_on = lock_name(lock.trim(), limits);
            if let Some(owner) = owner
                && let Some(q) = owner.rfind("\" Id=")
            {
                pending.owner_name = Some(owner[..q].to_owned());
                pending.owner_id = leading_number(&owner[q + 5..]);
            }
        }
    }
    pending.sample = sample;
    Some(pending)
}

fn leading_number(s: &str) -> Option<i64> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_model::Origin;

    fn parse(text: &str) -> StuckSample {
        parse_thread_dump(text.as_bytes(), &OriginRules::default()).unwrap()
    }

    #[test]
    fn task_thread_names() {
        for name in [
            "Map -> Sink (1/2)#0",
            "Source: Custom Source (3/8)",
            "Window(TumblingEventTimeWindows(5000)) (12/128)#3",
            "Legacy Source Thread - Source: x (1/1)#0",
        ] {
            assert!(is_task_thread_name(name), "{name}");
        }
        for name in [
            "main",
            "Flink Netty Server (0) Thread 0",
            "(1/2)",
            "x (a/2)",
            "x (1/2)#",
            "GC Thread#0",
        ] {
            assert!(!is_task_thread_name(name), "{name}");
        }
    }

    #[test]
    fn jstack_thread_with_locks_and_owner() {
        let dump = "\"t1\" #12 prio=5 os_prio=0 tid=0x1 nid=0x2 waiting for monitor entry  [0x3]\n\
   java.lang.Thread.State: BLOCKED (on object monitor)\n\
\tat com.acme.A.run(A.java:28)\n\
\t- waiting to lock <0x00000000aa> (a java.lang.Object)\n\
\t- locked <0x00000000bb> (a java.lang.Object)\n\
\tat java.lang.Thread.run(java.base@17.0.15/Thread.java:840)\n\
\n\
\"Map (1/1)#0\" #13 daemon prio=5 tid=0x4 nid=0x5 waiting on condition\n\
   java.lang.Thread.State: WAITING (on object monitor)\n\
\tat java.lang.Object.wait(java.base@17/Native Method)\n\
\t- waiting on <0x00000000cc> (a java.lang.Object)\n\
\tat com.acme.B.run(B.java:3)\n\
\t- locked <0x00000000cc> (a java.lang.Object)\n\
\t- locked <0x00000000aa> (a java.lang.Object)\n\
\n\
   Locked ownable synchronizers:\n\
\t- <0x00000000dd> (a java.util.concurrent.locks.ReentrantLock$NonfairSync)\n\
\n\
\"VM Thread\" os_prio=0 cpu=0.58ms tid=0x7 nid=0x3503 runnable\n";
        let s = parse(dump);
        assert_eq!(s.threads.len(), 3);
        let t1 = &s.threads[0];
        assert_eq!((t1.thread_id, t1.state), (Some(12), ThreadState::Blocked));
        assert_eq!(
            t1.waiting_on.as_deref(),
            Some("java.lang.Object@0x00000000aa")
        );
        assert_eq!(t1.lock_owner, Some(1));
        assert_eq!(t1.frames[1].origin, Origin::Jdk);
        assert!(!t1.task_thread);
        let t2 = &s.threads[1];
        assert!(t2.task_thread);
        assert_eq!(t2.state, ThreadState::Waiting);
        assert!(t2.frames[0].native);
        // The monitor given back by Object.wait() is not held.
        let held: Vec<&str> = t2.locks_held.iter().map(|l| l.lock.as_str()).collect();
        assert_eq!(
            held,
            [
                "java.lang.Object@0x00000000aa",
                "java.util.concurrent.locks.ReentrantLock$NonfairSync@0x00000000dd"
            ]
        );
        assert_eq!(t2.locks_held[0].frame_depth, 1);
        assert_eq!(t2.lock_owner, None);
        assert_eq!(
            (s.threads[2].thread_id, s.threads[2].frames.len()),
            (None, 0)
        );
    }

    #[test]
    fn thread_info_header_names_owner() {
        let dump = "\"a\" prio=5 Id=12 BLOCKED on java.lang.Object@24d46ca6 owned by \"b \\\"x\\\"\" Id=13\n\
\tat app//com.acme.A.f(A.java:1)\n\
\t-  blocked on java.lang.Object@24d46ca6\n\
\t-  locked java.lang.Object@7a81197d\n\n\
\"b \\\"x\\\"\" daemon prio=5 Id=13 RUNNABLE\n\
\tat java.base@17/java.lang.Thread.run(Thread.java:840)\n\
\n\tNumber of locked synchronizers = 1\n\t- java.util.concurrent.locks.ReentrantLock$NonfairSync@1\n";
        let s = parse(dump);
        assert_eq!(s.threads[0].state, ThreadState::Blocked);
        assert_eq!(
            s.threads[0].waiting_on.as_deref(),
            Some("java.lang.Object@24d46ca6")
        );
        assert_eq!(s.threads[0].lock_owner, Some(1));
        assert_eq!(s.threads[0].frames[0].class, "com.acme.A");
        assert_eq!(s.threads[1].name, "b \\\"x\\\"");
        assert_eq!(s.threads[1].locks_held.len(), 1);
    }

    #[test]
    fn bad_input_is_an_error() {
        let rules = OriginRules::default();
        let err = |b: &[u8]| parse_thread_dump(b, &rules).unwrap_err();
        assert_eq!(err(b"  \n"), ThreadDumpError::Empty);
        assert_eq!(err(b"a\0b"), ThreadDumpError::NotText);
        assert_eq!(err(&[0xff, 0xfe]), ThreadDumpError::NotText);
        assert_eq!(
            err(b"java.lang.Exception: x\n\tat a.B.c(B.java:1)\n"),
            ThreadDumpError::NoThreads
        );
        assert!(matches!(
            err(b"{\"threadInfos\": 3}"),
            ThreadDumpError::Json(_)
        ));
        assert!(matches!(
            err(b"{\"threadInfos\": [{}]}"),
            ThreadDumpError::Json(_)
        ));
        assert!(matches!(err(b"{\"x\": 1}"), ThreadDumpError::Json(_)));
        assert!(matches!(err(b"{nope"), ThreadDumpError::Json(_)));
        assert_eq!(err(b"{\"threadInfos\": []}"), ThreadDumpError::NoThreads);
        assert_eq!(err(b"{\"threads\": []}"), ThreadDumpError::NoThreads);
        // Headers without a closing quote, odd lines: no panic.
        for junk in [
            "\"",
            "\"\" #",
            "\"x\" Id=",
            "\"x\" Id=1 BLOCKED on ",
            "\"x\" Id=1 BLOCKED on a@b owned by \"",
            "- locked <",
            "\"x\" #1\n- locked <0x1",
        ] {
            let _ = parse_thread_dump(junk.as_bytes(), &rules);
        }
    }

    #[test]
    fn stuck_sample_json_is_kept_and_bounded() {
        let json = r#"{"threads":[{"name":"Map (1/1)#0","state":"BLOCKED","lock_owner":7,"frames":[{"class":"com.acme.A","method":"f"}]}],"progress":{"stalled_ms":60000}}"#;
        let s = parse(json);
        assert_eq!(s.progress.stalled_ms, 60000);
        assert_eq!(s.threads[0].lock_owner, None);
        assert_eq!(s.threads[0].state, ThreadState::Blocked);
    }

    #[test]
    fn huge_dumps_are_bounded() {
        let mut dump = String::new();
        for i in 0..3000 {
            dump.push_str(&format!("\"t{i}\" #{i} prio=5 tid=0x1 nid=0x1 runnable\n   java.lang.Thread.State: RUNNABLE\n"));
            if i == 0 {
                for _ in 0..1000 {
                    dump.push_str("\tat a.B.c(B.java:1)\n\t- locked <0x1> (a X)\n");
                }
            }
        }
        let long_name = format!("\"{}\" #1 prio=5\n", "n".repeat(10_000));
        dump = long_name + &dump;
        let s = parse(&dump);
        let limits = DumpLimits::default();
        assert_eq!(s.threads.len(), limits.max_threads);
        assert_eq!(s.threads[0].name.len(), limits.max_text);
        assert_eq!(s.threads[1].frames.len(), limits.max_frames);
        assert_eq!(s.threads[1].locks_held.len(), 1);
    }
}
