//! The event log and snapshots: round trip, torn writes, corruption, resume.

use std::fs::OpenOptions;
use std::io::Write;

use faultline_ledger::log::{LogError, Store, StoreConfig, log_path, read_log};
use faultline_ledger::{Event, EventKind, ExecutionState, Failure, JobStatus, Stage};

fn events(n: usize) -> Vec<Event> {
    let mut v = vec![
        Event {
            at: 0,
            job: "j".into(),
            kind: EventKind::Submitted {
                name: "demo".into(),
                fresh: true,
            },
        },
        Event {
            at: 0,
            job: "j".into(),
            kind: EventKind::JobStatus {
                status: JobStatus::Running,
            },
        },
    ];
    for i in 0..n {
        let kind = match i % 3 {
            0 => EventKind::Task {
                vertex: "v".into(),
                subtask: 0,
                attempt: i as u32,
                state: ExecutionState::Running,
            },
            1 => EventKind::Failure(Box::new(Failure {
                id: format!("f{i}"),
                stacktrace: "java.lang.IllegalStateException: boom\n\tat com.acme.X.map(X.java:1)"
                    .into(),
                ..Failure::default()
            })),
            _ => EventKind::Observed,
        };
        v.push(Event {
            at: 1000 * (i as i64 + 1),
            job: "j".into(),
            kind,
        });
    }
    v
}

fn write(dir: &std::path::Path, evs: &[Event], config: StoreConfig) {
    let mut store = Store::open(dir, config).expect("open");
    for e in evs {
        store.record(e.clone()).expect("record");
    }
    store.commit().expect("commit");
}

#[test]
fn events_round_trip_through_the_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evs = events(50);
    write(dir.path(), &evs, StoreConfig::default());
    let (back, _) = read_log(&log_path(dir.path()), 0).expect("read");
    assert_eq!(back, evs);
}

#[test]
fn a_torn_last_record_is_dropped_and_nothing_before_it_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evs = events(30);
    write(dir.path(), &evs, StoreConfig::default());
    let path = log_path(dir.path());
    let full = std::fs::metadata(&path).expect("meta").len();
    // A crash mid-write: the last record loses its last 3 bytes.
    OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open")
        .set_len(full - 3)
        .expect("truncate");
    let (back, end) = read_log(&path, 0).expect("read");
    assert_eq!(back, evs[..evs.len() - 1]);
    assert!(end < full - 3);

    // Reopening cuts the torn tail off and resumes appending after the good records.
    let mut store = Store::open(dir.path(), StoreConfig::default()).expect("reopen");
    let extra = Event {
        at: 99_000,
        job: "j".into(),
        kind: EventKind::Observed,
    };
    store.record(extra.clone()).expect("record");
    store.commit().expect("commit");
    let (back, _) = read_log(&path, 0).expect("read");
    assert_eq!(back.len(), evs.len());
    assert_eq!(back.last(), Some(&extra));
}

#[test]
fn a_torn_header_or_length_field_is_a_torn_record_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &events(3), StoreConfig::default());
    let path = log_path(dir.path());
    // Half a length field of a next record.
    OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open")
        .write_all(&[7, 0])
        .expect("write");
    let (back, _) = read_log(&path, 0).expect("read");
    assert_eq!(back.len(), 5);
    // A crash right after creating the file: only part of the magic.
    let other = tempfile::tempdir().expect("tempdir");
    std::fs::write(log_path(other.path()), b"FLT").expect("write");
    let store = Store::open(other.path(), StoreConfig::default()).expect("open");
    assert!(store.ledger().is_empty());
}

#[test]
fn corruption_before_the_end_is_refused_and_the_log_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &events(30), StoreConfig::default());
    let path = log_path(dir.path());
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[40] ^= 0xff;
    std::fs::write(&path, &bytes).expect("write");
    let err = read_log(&path, 0).expect_err("corrupt");
    assert!(matches!(err, LogError::Corrupt { .. }), "{err}");
    let Err(err) = Store::open(dir.path(), StoreConfig::default()) else {
        panic!("opened a corrupt log")
    };
    assert!(err.to_string().contains("corrupt record at byte"), "{err}");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "nothing was cut"
    );
}

#[test]
fn not_a_log_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(log_path(dir.path()), b"hello world, not a log").expect("write");
    let Err(err) = Store::open(dir.path(), StoreConfig::default()) else {
        panic!("opened garbage")
    };
    assert!(
        err.to_string().contains("not a Faultline event log"),
        "{err}"
    );
}

#[test]
fn restarting_resumes_where_it_stopped_with_or_without_a_snapshot() {
    let evs = events(300);
    let (first, second) = evs.split_at(150);
    for snapshot_every in [u64::MAX, 40] {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = StoreConfig {
            snapshot_every,
            ..StoreConfig::default()
        };
        write(dir.path(), first, config.clone());
        write(dir.path(), second, config.clone());
        let mut store = Store::open(dir.path(), config).expect("open");
        store.ledger_mut().flush();

        let oneshot = tempfile::tempdir().expect("tempdir");
        write(oneshot.path(), &evs, StoreConfig::default());
        let mut whole = Store::open(oneshot.path(), StoreConfig::default()).expect("open");
        whole.ledger_mut().flush();

        let (a, b) = (
            store.ledger().job("j").expect("job"),
            whole.ledger().job("j").expect("job"),
        );
        assert_eq!(a.totals, b.totals, "snapshot_every={snapshot_every}");
        assert_eq!(a.stages, b.stages);
        assert_eq!(a.incidents.len(), b.incidents.len());
        assert_eq!(a.stage, Stage::Running);
        if snapshot_every != u64::MAX {
            assert!(dir.path().join("snapshot.json").exists());
        }
    }
}

#[test]
fn an_unreadable_snapshot_falls_back_to_the_whole_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        snapshot_every: 10,
        ..StoreConfig::default()
    };
    write(dir.path(), &events(50), config.clone());
    std::fs::write(dir.path().join("snapshot.json"), b"{ broken").expect("write");
    let mut store = Store::open(dir.path(), config).expect("open");
    store.ledger_mut().flush();
    assert!(store.ledger().job("j").is_some());
}

#[test]
fn a_zero_filled_tail_after_a_power_loss_is_a_torn_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evs = events(10);
    write(dir.path(), &evs, StoreConfig::default());
    let path = log_path(dir.path());
    OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("open")
        .write_all(&[0u8; 4096])
        .expect("zeros");
    let (back, _) = read_log(&path, 0).expect("read");
    assert_eq!(back, evs);
    let store = Store::open(dir.path(), StoreConfig::default()).expect("open");
    drop(store);
    let (back, _) = read_log(&path, 0).expect("read");
    assert_eq!(back, evs);
}
