//! Durability: an append-only event log with checksummed records, plus snapshots.
//!
//! `events.log` starts with an 8-byte magic and holds records of
//! `length (u32 LE) | !length (u32 LE) | crc32 of payload (u32 LE) | payload (postcard
//! Event)`; the complemented length tells a flipped length field (corruption) from a
//! record cut short (a torn write). A crash
//! mid-write leaves at most a torn last record: on open it is detected, dropped with a
//! warning and cut off, and nothing before it is lost. A bad record anywhere else is
//! corruption, reported and never "repaired" (that would lose history).
//!
//! `snapshot.json` holds the ledger as of a log offset, written atomically; opening
//! loads it and replays only the log after that offset.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::ledger::{Ledger, LedgerConfig};

const MAGIC: &[u8; 8] = b"FLTLOG1\n";
const HEADER: u64 = MAGIC.len() as u64;
/// No record is this big: a longer length field means a torn or corrupt record.
const MAX_RECORD: u32 = 64 << 20;
const LOG_FILE: &str = "events.log";
const SNAPSHOT_FILE: &str = "snapshot.json";

/// What can go wrong with the data directory.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// An I/O error, with the file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a Faultline event log.
    #[error("{path}: not a Faultline event log (bad magic)")]
    NotALog { path: PathBuf },
    /// A bad record before the end of the log.
    #[error("{path}: corrupt record at byte {offset}: {reason}; the log is left untouched")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// An event that cannot be encoded.
    #[error("cannot encode event: {0}")]
    Encode(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Bytes before a record's payload.
const RECORD_HEADER: usize = 12;

/// Encodes one event as a log record, appending it to `out`.
pub fn encode_record(event: &Event, out: &mut Vec<u8>) -> Result<(), LogError> {
    let start = out.len();
    out.extend_from_slice(&[0; RECORD_HEADER]);
    *out = postcard::to_extend(event, std::mem::take(out))
        .map_err(|e| LogError::Encode(e.to_string()))?;
    let len = u32::try_from(out.len() - start - RECORD_HEADER)
        .ok()
        .filter(|l| *l <= MAX_RECORD)
        .ok_or_else(|| LogError::Encode("event larger than a record may be".into()))?;
    let crc = crc32fast::hash(&out[start + RECORD_HEADER..]);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&(!len).to_le_bytes());
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// The result of decoding the record at the start of a buffer.
#[derive(Debug)]
pub enum Record {
    /// An event, and the record's length in bytes.
    Event(Event, usize),
    /// The buffer ends inside the record: a torn write when at the end of the log.
    Incomplete,
    /// The record is bad: corruption.
    Bad(String),
}

/// Decodes the record at the start of `buf`.
pub fn decode_record(buf: &[u8]) -> Record {
    if buf.len() < RECORD_HEADER {
        return Record::Incomplete;
    }
    let word = |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
    let (len, check, crc) = (word(0), word(4), word(8));
    if len != !check || len > MAX_RECORD {
        return Record::Bad("damaged record header".into());
    }
    let end = RECORD_HEADER + len as usize;
    if buf.len() < end {
        return Record::Incomplete;
    }
    let payload = &buf[RECORD_HEADER..end];
    if crc32fast::hash(payload) != crc {
        // A payload that was never fully written, when it is the log's last record.
        return if end == buf.len() {
            Record::Incomplete
        } else {
            Record::Bad("checksum mismatch".into())
        };
    }
    match postcard::from_bytes::<Event>(payload) {
        Ok(ev) => Record::Event(ev.upgrade(), end),
        Err(e) => Record::Bad(format!("undecodable event: {e}")),
    }
}

/// Reads every event of a log file, in order. A torn last record is dropped with a
/// warning; the returned offset is where the good records end.
pub fn read_log(path: &Path, from: u64) -> Result<(Vec<Event>, u64), LogError> {
    let mut events = Vec::new();
    let end = scan_log(path, from, |ev| events.push(ev))?;
    Ok((events, end))
}

/// Calls `each` on every event from byte `from` (0 = start); returns the end of the
/// last good record.
pub fn scan_log(path: &Path, from: u64, mut each: impl FnMut(Event)) -> Result<u64, LogError> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut magic = [0u8; 8];
    let n = read_full(&mut file, &mut magic).map_err(io(path))?;
    if n < 8 {
        // A log torn before its header was complete holds no record.
        return Ok(0);
    }
    if &magic != MAGIC {
        return Err(LogError::NotALog {
            path: path.to_owned(),
        });
    }
    let start = from.max(HEADER);
    file.seek(SeekFrom::Start(start)).map_err(io(path))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf).map_err(io(path))?;
    let mut pos = 0usize;
    while pos < buf.len() {
        match decode_record(&buf[pos..]) {
            Record::Event(ev, len) => {
                each(ev);
                pos += len;
            }
            Record::Incomplete => {
                tracing::warn!(path = %path.display(), offset = start + pos as u64, bytes = buf.len() - pos,
                    "dropping a torn last record (a crash mid-write)");
                break;
            }
            Record::Bad(_) if buf[pos..].iter().all(|b| *b == 0) => {
                // A file system may extend a file before its data reaches the disk: a
                // power loss mid-write leaves zeros at the end.
                tracing::warn!(path = %path.display(), offset = start + pos as u64, bytes = buf.len() - pos,
                    "dropping a zero-filled tail (a power loss mid-write)");
                break;
            }
            Record::Bad(reason) => {
                return Err(LogError::Corrupt {
                    path: path.to_owned(),
                    offset: start + pos as u64,
                    reason,
                });
            }
        }
    }
    Ok(start + pos as u64)
}

fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Appends events to the log.
pub struct LogWriter {
    path: PathBuf,
    out: BufWriter<File>,
    offset: u64,
    scratch: Vec<u8>,
}

impl LogWriter {
    /// Opens the log for appending at `offset` (the end of its good records), cutting a
    /// torn tail off; creates it when absent.
    pub fn open(path: &Path, offset: u64) -> Result<LogWriter, LogError> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(io(path))?;
        let offset = if offset < HEADER {
            file.set_len(0).map_err(io(path))?;
            file.write_all(MAGIC).map_err(io(path))?;
            HEADER
        } else {
            file.set_len(offset).map_err(io(path))?;
            offset
        };
        file.seek(SeekFrom::Start(offset)).map_err(io(path))?;
        Ok(LogWriter {
            path: path.to_owned(),
            out: BufWriter::new(file),
            offset,
            scratch: Vec::new(),
        })
    }

    /// Appends one event (buffered until [`LogWriter::flush`]).
    pub fn append(&mut self, event: &Event) -> Result<(), LogError> {
        self.scratch.clear();
        encode_record(event, &mut self.scratch)?;
        self.out.write_all(&self.scratch).map_err(io(&self.path))?;
        self.offset += self.scratch.len() as u64;
        Ok(())
    }

    /// Hands what is buffered to the operating system: it survives a crash of this
    /// process from here on.
    pub fn flush(&mut self) -> Result<(), LogError> {
        self.out.flush().map_err(io(&self.path))
    }

    /// Flushes and asks the disk to keep it: it survives a crash of the machine.
    pub fn sync(&mut self) -> Result<(), LogError> {
        self.flush()?;
        self.out.get_ref().sync_data().map_err(io(&self.path))
    }

    /// Bytes written so far, including the header.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// A snapshot of the ledger as of a log offset.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    offset: u64,
    ledger: Ledger,
}

/// When to snapshot and sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct StoreConfig {
    /// Snapshot after this many events.
    pub snapshot_every: u64,
    /// The ledger's configuration (used when no snapshot exists).
    pub ledger: LedgerConfig,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            snapshot_every: 100_000,
            ledger: LedgerConfig::default(),
        }
    }
}

/// The ledger made durable: every event is logged before it is applied.
pub struct Store {
    dir: PathBuf,
    log: LogWriter,
    ledger: Ledger,
    since_snapshot: u64,
    config: StoreConfig,
}

impl Store {
    /// Opens (or creates) a data directory: loads the snapshot, replays the log after
    /// it, cuts off a torn last record, and resumes.
    pub fn open(dir: &Path, config: StoreConfig) -> Result<Store, LogError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let log_path = dir.join(LOG_FILE);
        let snap_path = dir.join(SNAPSHOT_FILE);
        let mut ledger = None;
        let mut from = 0;
        match std::fs::read(&snap_path) {
            Ok(bytes) => match serde_json::from_slice::<Snapshot>(&bytes) {
                Ok(s) => {
                    from = s.offset;
                    ledger = Some(s.ledger);
                }
                Err(e) => tracing::warn!(path = %snap_path.display(), error = %e,
                    "ignoring an unreadable snapshot; replaying the whole log"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(LogError::Io {
                    path: snap_path,
                    source: e,
                });
            }
        }
        let mut ledger = ledger.unwrap_or_else(|| Ledger::new(config.ledger.clone()));
        if ledger.config() != &config.ledger {
            tracing::info!(
                "the ledger's configuration changed since the snapshot; the new one applies from now on"
            );
            ledger.set_config(config.ledger.clone());
        }
        let end = if log_path.exists() {
            let log_len = std::fs::metadata(&log_path).map_err(io(&log_path))?.len();
            if from > log_len {
                tracing::warn!("the snapshot is newer than the log; replaying the whole log");
                ledger = Ledger::new(config.ledger.clone());
                from = 0;
            }
            scan_log(&log_path, from, |ev| ledger.ingest(ev))?
        } else {
            0
        };
        let log = LogWriter::open(&log_path, end)?;
        Ok(Store {
            dir: dir.to_owned(),
            log,
            ledger,
            since_snapshot: 0,
            config,
        })
    }

    /// Logs and applies one event.
    pub fn record(&mut self, event: Event) -> Result<(), LogError> {
        self.log.append(&event)?;
        self.ledger.ingest(event);
        self.since_snapshot += 1;
        Ok(())
    }

    /// Hands logged events to the OS and snapshots when due; call after each batch.
    pub fn commit(&mut self) -> Result<(), LogError> {
        self.log.flush()?;
        if self.since_snapshot >= self.config.snapshot_every {
            self.snapshot()?;
        }
        Ok(())
    }

    /// Writes a snapshot now (atomically: temporary file, sync, rename).
    pub fn snapshot(&mut self) -> Result<(), LogError> {
        self.log.sync()?;
        let snap = Snapshot {
            offset: self.log.offset(),
            ledger: self.ledger.clone(),
        };
        let bytes = serde_json::to_vec(&snap).map_err(|e| LogError::Encode(e.to_string()))?;
        let path = self.dir.join(SNAPSHOT_FILE);
        let tmp = self.dir.join(format!("{SNAPSHOT_FILE}.tmp"));
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        self.since_snapshot = 0;
        Ok(())
    }

    /// The ledger.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The ledger, to move clocks.
    pub fn ledger_mut(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    /// The log file's path.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join(LOG_FILE)
    }
}

/// The event log of a data directory.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE)
}
