//! Child JVMs that cannot outlive the test process.

use std::io;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;

use crate::dist::tail_lines;

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// The one thread that forks every JVM.
///
/// `PR_SET_PDEATHSIG` fires when the *thread* that forked the child exits, not
/// the process. Test harnesses run each test on its own short-lived thread, so
/// a JVM forked there would be killed as soon as that test's thread ended (a
/// cluster shared between tests would die under the second test). A thread
/// that lives as long as the process makes "parent died" mean "process died".
static SPAWNER: OnceLock<Option<mpsc::Sender<SpawnRequest>>> = OnceLock::new();

fn spawner() -> Option<&'static mpsc::Sender<SpawnRequest>> {
    SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<SpawnRequest>();
            let started = thread::Builder::new()
                .name("flink-harness-spawner".into())
                .spawn(move || {
                    for (mut cmd, reply) in rx {
                        let _ = reply.send(cmd.spawn());
                    }
                });
            match started {
                Ok(_) => Some(tx),
                Err(e) => {
                    tracing::warn!(error = %e, "no spawner thread; JVMs die with the calling thread");
                    None
                }
            }
        })
        .as_ref()
}

/// Spawns `cmd` in its own process group, with SIGKILL as its parent-death signal.
pub(crate) fn spawn_guarded(mut cmd: Command) -> io::Result<Child> {
    let parent = std::process::id();
    cmd.process_group(0);
    // SAFETY: the closure runs between fork and exec and calls only
    // async-signal-safe functions (prctl, getppid); it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect: then nobody would kill us.
            if libc::getppid() as u32 != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    match spawner() {
        Some(tx) => {
            let (reply_tx, reply_rx) = mpsc::channel();
            tx.send((cmd, reply_tx))
                .map_err(|_| io::Error::other("the spawner thread is gone"))?;
            reply_rx
                .recv()
                .map_err(|_| io::Error::other("the spawner thread did not answer"))?
        }
        None => cmd.spawn(),
    }
}

/// Sends `sig` to the process group `pgid` (our JVMs lead their own groups).
pub(crate) fn signal_group(pgid: u32, sig: libc::c_int) -> io::Result<()> {
    let pgid = i32::try_from(pgid).map_err(|_| io::Error::other("pid out of range"))?;
    // SAFETY: plain syscall; a negative pid addresses the group.
    if unsafe { libc::kill(-pgid, sig) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A JVM the harness started: killed and reaped when dropped.
#[derive(Debug)]
pub(crate) struct Jvm {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
    pub out: PathBuf,
    reaped: bool,
}

impl Jvm {
    /// Spawns `cmd` guarded; `log`/`out` are where its log4j file and stdout/stderr go.
    pub fn spawn(name: &str, cmd: Command, log: PathBuf, out: PathBuf) -> io::Result<Jvm> {
        let child = spawn_guarded(cmd)?;
        tracing::debug!(name, pid = child.id(), "started JVM");
        Ok(Jvm {
            name: name.to_owned(),
            child,
            log,
            out,
            reaped: false,
        })
    }

    /// The JVM's pid (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` once the process has exited.
    pub fn exit_status(&mut self) -> Option<String> {
        if self.reaped {
            return Some("killed by the harness".into());
        }
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("unknown ({e})")),
        }
    }

    /// Sends a signal to the JVM's process group.
    pub fn signal(&self, sig: libc::c_int) -> io::Result<()> {
        if self.reaped {
            return Err(io::Error::other(format!(
                "{} was already killed",
                self.name
            )));
        }
        signal_group(self.pid(), sig)
    }

    /// SIGKILLs the group and waits for the JVM, so that nothing is left when this returns.
    pub fn kill_and_wait(&mut self) {
        if self.reaped {
            return;
        }
        if let Err(e) = signal_group(self.pid(), libc::SIGKILL)
            && e.raw_os_error() != Some(libc::ESRCH)
        {
            tracing::warn!(name = %self.name, error = %e, "killpg failed; killing the JVM alone");
            let _ = self.child.kill();
        }
        if let Err(e) = self.child.wait() {
            tracing::warn!(name = %self.name, error = %e, "waiting for a killed JVM failed");
        }
        self.reaped = true;
    }

    /// The JVM's ERROR lines and their causes, then the last lines of its log file and of
    /// its stdout/stderr. The errors come first because a dying JVM may end its log with a
    /// long thread dump that would push the reason out of a plain tail.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let out = std::fs::read_to_string(&self.out).unwrap_or_default();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains(" ERROR ") || l.starts_with("Caused by:"))
            .take(lines / 2)
            .collect();
        let mut text = String::new();
        if !errors.is_empty() {
            text.push_str("--- errors ---\n");
            text.push_str(&errors.join("\n"));
            text.push_str("\n--- last lines ---\n");
        }
        text.push_str(&tail_lines(&log, lines));
        if !out.trim().is_empty() {
            text.push_str("\n--- stdout/stderr ---\n");
            text.push_str(&tail_lines(&out, lines / 2 + 1));
        }
        text
    }
}

impl Drop for Jvm {
    fn drop(&mut self) {
        self.kill_and_wait();
    }
}

/// The process state letter of `/proc/<pid>/stat` (`R`, `S`, `T` stopped, `Z` zombie, ...).
pub fn process_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The state follows the parenthesised command name, which may itself contain ") ".
    stat.rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next())
}

/// True when a process with this pid exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    process_state(pid).is_some_and(|state| state != 'Z' && state != 'X')
}

/// Pids of live processes whose command line contains `needle` (e.g. a cluster's work directory).
pub fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) && process_alive(pid) {
            found.push(pid);
        }
    }
    found
}
