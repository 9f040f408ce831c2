//! Blames a stuck task (one that runs but makes no progress) by where its
//! thread waits and why, from the sampled stacks (`classify-stuck` only; a
//! failure gets no opinion):
//!
//! - a lock cycle among threads with user frames: user `deadlock`, naming
//!   the threads and the locks (without user frames: system `deadlock`);
//! - waiting for a network buffer (`LocalBufferPool`): `backpressure`, blame
//!   unknown, since the culprit is downstream and not in this sample;
//! - blocked in a socket read or connect, or in a client library of an
//!   external system (JDBC, Kafka, HTTP, ...): dependency `dependency-blocked`;
//! - user code sleeping, waiting on a monitor, a future or a condition:
//!   user `user-blocked`; user code running on the CPU: user `user-spin`;
//! - Flink's internals (checkpoint lock, network stack, state backend): system
//!   `system-blocked`. A task thread idle in its mailbox gets no opinion.
//!
//! The task's own threads are judged (all threads with user frames when none
//! is marked); of several, the most telling finding wins (the order above).

use faultline_filter_kit::{frame_name, in_packages};
use faultline_sdk::{Blame, Failure, Filter, Frame, Origin, Stuck, Thread, ThreadState, Verdict};
use serde::Deserialize;

/// The `[filter.config]` of the stuck filter; every key has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Frames of no known origin are the job's code.
    pub unknown_is_user: bool,
    /// Packages of client libraries of external systems (a wait there is the dependency's).
    pub dependency_frames: Vec<String>,
    /// Flink frames of waiting for a network buffer (back-pressure).
    pub buffer_frames: Vec<String>,
    /// Flink frames of a task idle for lack of input (no opinion).
    pub idle_frames: Vec<String>,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            unknown_is_user: true,
            dependency_frames: strings(&[
                "java.sql.",
                "javax.sql.",
                "com.mysql.",
                "org.mariadb.",
                "org.postgresql.",
                "oracle.jdbc.",
                "com.microsoft.sqlserver.",
                "com.zaxxer.hikari.",
                "com.alibaba.druid.",
                "org.apache.kafka.",
                "org.apache.http.",
                "org.apache.hc.",
                "okhttp3.",
                "okio.",
                "java.net.http.",
                "jdk.internal.net.http.",
                "java.net.HttpURLConnection",
                "sun.net.www.",
                "redis.clients.",
                "io.lettuce.",
                "org.redisson.",
                "com.mongodb.",
                "org.elasticsearch.",
                "co.elastic.",
                "org.opensearch.",
                "com.datastax.",
                "org.apache.hadoop.hbase.",
                "software.amazon.awssdk.",
                "com.amazonaws.",
                "com.google.cloud.",
                "org.apache.pulsar.client.",
                "com.rabbitmq.client.",
                "io.grpc.",
                "com.clickhouse.",
            ]),
            buffer_frames: strings(&[
                "org.apache.flink.runtime.io.network.buffer.LocalBufferPool",
                "org.apache.flink.runtime.io.network.api.writer.",
            ]),
            idle_frames: strings(&[
                "org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take",
                "org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.processMailsWhenDefaultActionUnavailable",
            ]),
        }
    }
}

/// The stuck filter.
pub struct StuckFilter {
    config: Config,
}

/// How the innermost frames wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Sleep,
    Socket,
    Park,
    Monitor,
    Cpu,
}

/// One finding, most telling first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Finding {
    Deadlock { user: bool, reason: String },
    Backpressure(String),
    Dependency(String),
    User { spin: bool, reason: String },
    System(String),
}

impl Filter for StuckFilter {
    type Config = Config;

    fn new(config: Config) -> Result<Self, String> {
        Ok(StuckFilter { config })
    }

    fn classify(&self, _failure: &Failure) -> Verdict {
        Verdict::new()
    }

    fn classify_stuck(&self, sample: &Stuck<'_>) -> Verdict {
        let mut threads: Vec<Thread<'_>> = sample.task_threads().collect();
        if threads.is_empty() {
            threads = sample
                .threads()
                .filter(|t| t.frames().any(|f| self.is_user(&f)))
                .collect();
        }
        let Some(finding) = threads.iter().filter_map(|t| self.judge(t)).min() else {
            return Verdict::new();
        };
        let (blame, category, reason) = match finding {
            Finding::Deadlock { user: true, reason } => (Blame::User, "deadlock", reason),
            Finding::Deadlock {
                user: false,
                reason,
            } => (Blame::System, "deadlock", reason),
            Finding::Backpressure(r) => (Blame::Unknown, "backpressure", r),
            Finding::Dependency(r) => (Blame::Dependency, "dependency-blocked", r),
            Finding::User { spin: true, reason } => (Blame::User, "user-spin", reason),
            Finding::User {
                spin: false,
                reason,
            } => (Blame::User, "user-blocked", reason),
            Finding::System(r) => (Blame::System, "system-blocked", r),
        };
        Verdict::new()
            .blame(blame)
            .category(category)
            .reason(reason)
    }
}

fn is_jdk(f: &Frame<'_>) -> bool {
    f.origin() == Origin::Jdk
        || ["java.", "javax.", "jdk.", "sun.", "com.sun."]
            .iter()
            .any(|p| f.in_package(p))
}

fn state_name(s: ThreadState) -> &'static str {
    match s {
        ThreadState::New => "NEW",
        ThreadState::Runnable => "RUNNABLE",
        ThreadState::Blocked => "BLOCKED",
        ThreadState::Waiting => "WAITING",
        ThreadState::TimedWaiting => "TIMED_WAITING",
        ThreadState::Terminated => "TERMINATED",
        _ => "in an unknown state",
    }
}

impl StuckFilter {
    fn is_user(&self, f: &Frame<'_>) -> bool {
        match f.origin() {
            Origin::User => true,
            Origin::Unknown => self.config.unknown_is_user && !is_jdk(f),
            _ => false,
        }
    }

    fn is_dependency(&self, f: &Frame<'_>) -> bool {
        in_packages(f.class_name(), &self.config.dependency_frames)
    }

    fn matches(f: &Frame<'_>, list: &[String]) -> bool {
        let name = frame_name(f);
        list.iter().any(|p| name.starts_with(p.as_str()))
    }

    /// The kind of wait of the innermost frames (JDK and libraries not of a dependency).
    fn wait(&self, t: &Thread<'_>) -> Wait {
        for f in t.frames().take(16) {
            let (c, m) = (f.class_name(), f.method());
            if c == "java.lang.Thread" && m == "sleep"
                || c == "java.util.concurrent.TimeUnit" && m == "sleep"
            {
                return Wait::Sleep;
            }
            if c.starts_with("sun.nio.ch.")
                || c.starts_with("java.net.Socket")
                || c.starts_with("java.net.PlainSocketImpl")
                || c.starts_with("java.net.AbstractPlainSocketImpl")
                || c.starts_with("java.net.SocksSocketImpl")
                || c == "java.net.Socket"
            {
                return Wait::Socket;
            }
            if c == "jdk.internal.misc.Unsafe" && m == "park"
                || c == "java.util.concurrent.locks.LockSupport"
                || c == "java.lang.Object" && m == "wait"
            {
                return Wait::Park;
            }
            if !is_jdk(&f) {
                break;
            }
        }
        match t.state() {
            ThreadState::Blocked => Wait::Monitor,
            ThreadState::Waiting | ThreadState::TimedWaiting => Wait::Park,
            _ => Wait::Cpu,
        }
    }

    fn judge(&self, t: &Thread<'_>) -> Option<Finding> {
        if let Some(d) = self.deadlock(t) {
            return Some(d);
        }
        let who = format!("'{}' {}", t.name(), state_name(t.state()));
        let wait = self.wait(t);
        let on = t
            .waiting_on()
            .map(|l| format!(" on {l}"))
            .unwrap_or_default();
        let innermost = t.frames().next();
        let how = match (wait, innermost) {
            (Wait::Cpu, _) => "running".to_owned(),
            (_, Some(f)) => format!("in {}{on}", frame_name(&f)),
            (_, None) => format!("waiting{on}"),
        };
        for f in t.frames() {
            if Self::matches(&f, &self.config.buffer_frames) {
                return Some(Finding::Backpressure(format!(
                    "{who} waits for a network buffer in {}: back-pressure from downstream; \
                     no downstream culprit is known from this sample, so blame is unknown",
                    frame_name(&f)
                )));
            }
            if self.is_dependency(&f) {
                return Some(Finding::Dependency(format!(
                    "{who} {how}, blocked in a client of an external system ({})",
                    frame_name(&f)
                )));
            }
            if self.is_user(&f) {
                let at = frame_name(&f);
                return Some(match wait {
                    Wait::Socket => Finding::Dependency(format!(
                        "{who} {how}: a socket read or connect from user code {at} that the remote end does not answer"
                    )),
                    Wait::Cpu => Finding::User {
                        spin: true,
                        reason: format!(
                            "{who} runs user code {at} on the CPU without making progress"
                        ),
                    },
                    Wait::Sleep => Finding::User {
                        spin: false,
                        reason: format!("{who} sleeps in user code {at}"),
                    },
                    Wait::Park | Wait::Monitor => Finding::User {
                        spin: false,
                        reason: format!("{who} {how}, waited for by user code {at}"),
                    },
                });
            }
            if f.origin() == Origin::Flink || f.in_package("org.apache.flink.") {
                if Self::matches(&f, &self.config.idle_frames) {
                    return None;
                }
                return Some(Finding::System(format!(
                    "{who} {how}, blocked in Flink's own code {}",
                    frame_name(&f)
                )));
            }
        }
        // Only JDK and library frames (a stack cut short): the wait itself tells.
        (wait == Wait::Socket).then(|| {
            Finding::Dependency(format!(
                "{who} {how}: blocked in a socket read or connect the remote end does not answer"
            ))
        })
    }

    /// A cycle of lock owners through `t`, named thread by thread.
    fn deadlock(&self, t: &Thread<'_>) -> Option<Finding> {
        let mut chain = vec![*t];
        let mut current = *t;
        for _ in 0..64 {
            let owner = current.lock_owner()?;
            if owner.name() == t.name() && owner.thread_id() == t.thread_id() {
                let user = chain.iter().any(|c| c.frames().any(|f| self.is_user(&f)));
                let steps: Vec<String> = chain
                    .iter()
                    .map(|c| {
                        let holder = c.lock_owner().map(|o| o.name()).unwrap_or("?");
                        format!(
                            "'{}' waits for {} held by '{holder}'",
                            c.name(),
                            c.waiting_on().unwrap_or("a lock")
                        )
                    })
                    .collect();
                let reason = format!("deadlock of {} threads: {}", chain.len(), steps.join("; "));
                return Some(Finding::Deadlock { user, reason });
            }
            if chain
                .iter()
                .any(|c| c.name() == owner.name() && c.thread_id() == owner.thread_id())
            {
                // A cycle not through `t`: its own threads report it.
                return None;
            }
            chain.push(owner);
            current = owner;
        }
        None
    }
}

faultline_sdk::filter!(StuckFilter);

#[cfg(test)]
mod tests;
