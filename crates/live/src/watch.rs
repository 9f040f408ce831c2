//! Following a chain's files with `notify`: a thread that waits for a relevant
//! change, lets the writer finish (debounce), reloads, and watches anew (so a
//! directory replaced by a rename is followed to its new inode).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::{ChainSource, LiveChain, watched_dirs};

/// The longest a stream of changes can put a reload off.
const MAX_DEBOUNCE: Duration = Duration::from_secs(1);
/// How often the thread looks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(200);

/// Why the chain's files cannot be followed.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The OS refused a file watch.
    #[error("cannot watch the chain's files: {0}")]
    Notify(#[from] notify::Error),
    /// The watcher thread could not start.
    #[error("cannot start the chain watcher: {0}")]
    Thread(std::io::Error),
}

/// Follows the chain until dropped.
pub struct Watching {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn start(live: Arc<LiveChain>, quiet: Duration) -> Result<Watching, WatchError> {
    let stop = Arc::new(AtomicBool::new(false));
    let ChainSource::Path(path) = live.source().clone() else {
        return Ok(Watching { stop, thread: None });
    };
    let path = std::path::absolute(&path).unwrap_or(path);
    // The first watch is set up here, so that an OS refusal is the caller's error and
    // no change made after this call returns is missed.
    let first = Watch::new(&path)?;
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("faultline-chain-watch".into())
        .spawn(move || run(&live, &path, first, quiet, &flag))
        .map_err(WatchError::Thread)?;
    Ok(Watching {
        stop,
        thread: Some(thread),
    })
}

/// One set of OS watches and the paths whose changes matter.
struct Watch {
    _watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    relevant: HashSet<PathBuf>,
}

impl Watch {
    fn new(path: &Path) -> Result<Watch, notify::Error> {
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(move |ev| {
            let _ = tx.send(ev);
        })?;
        for dir in watched_dirs(path) {
            watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        }
        Ok(Watch {
            _watcher: watcher,
            events,
            relevant: relevant_paths(path),
        })
    }

    fn matters(&self, ev: &notify::Event) -> bool {
        !matches!(ev.kind, EventKind::Access(_))
            && (self.relevant.is_empty() || ev.paths.iter().any(|p| self.relevant.contains(p)))
    }
}

/// The chain directory, its manifest and every component it names.
fn relevant_paths(path: &Path) -> HashSet<PathBuf> {
    let mut set = HashSet::new();
    let manifest = if path.is_dir() {
        path.join("chain.toml")
    } else {
        path.to_owned()
    };
    let base = manifest.parent().map(Path::to_owned).unwrap_or_default();
    set.insert(base.clone());
    if let Ok((m, _)) = faultline_engine::Manifest::read(path) {
        for f in &m.filters {
            set.insert(base.join(&f.path));
        }
    }
    set.insert(manifest);
    set
}

fn run(live: &LiveChain, path: &Path, first: Watch, quiet: Duration, stop: &AtomicBool) {
    let mut watch = Some(first);
    while !stop.load(Ordering::Relaxed) {
        let w = match watch.take() {
            Some(w) => w,
            None => match Watch::new(path) {
                Ok(w) => w,
                Err(e) => {
                    // The directory may be between two renames: try again shortly.
                    tracing::warn!(path = %path.display(), "cannot watch the chain: {e}");
                    std::thread::sleep(STOP_CHECK);
                    continue;
                }
            },
        };
        // Wait for a change that matters.
        loop {
            match w.events.recv_timeout(STOP_CHECK) {
                Ok(Ok(ev)) if w.matters(&ev) => break,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!("chain watch error: {e}");
                    break;
                }
                Err(RecvTimeoutError::Timeout) if stop.load(Ordering::Relaxed) => return,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // Let the writer finish: reload once nothing changed for `quiet`.
        let until = Instant::now() + MAX_DEBOUNCE;
        while Instant::now() < until {
            match w.events.recv_timeout(quiet) {
                Ok(_) => {}
                Err(_) => break,
            }
        }
        // Watch anew before reloading, so a change made during the reload is seen.
        watch = Watch::new(path).ok();
        drop(w);
        // Errors are kept in the chain's status and logged there.
        let _ = live.reload();
    }
}
