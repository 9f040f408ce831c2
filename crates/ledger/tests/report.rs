//! SLA over a window and re-attribution by replay.

use std::collections::BTreeMap;

use faultline_ledger::sla::{Objectives, SlaCollector, Window};
use faultline_ledger::{
    Event, EventKind, ExecutionState as X, Failure, JobStatus as J, Ledger, LedgerConfig, Span,
};

fn ev(at_s: i64, job: &str, kind: EventKind) -> Event {
    Event {
        at: at_s * 1000,
        job: job.into(),
        kind,
    }
}

fn failure(id: &str, blame: &str) -> EventKind {
    EventKind::Failure(Box::new(Failure {
        id: id.into(),
        stacktrace: format!("java.lang.RuntimeException: {id}"),
        labels: BTreeMap::from([
            ("blame".into(), blame.into()),
            ("category".into(), format!("{blame}-thing")),
        ]),
        ..Failure::default()
    }))
}

/// Job `a` runs 0..1000 s with a 100 s user outage at 200 and a 50 s system outage at
/// 600; job `b` runs throughout, with a planned 20 s redeploy at 300.
fn history() -> Vec<Event> {
    let task = |at, job: &str, attempt, state| {
        ev(
            at,
            job,
            EventKind::Task {
                vertex: "v".into(),
                subtask: 0,
                attempt,
                state,
            },
        )
    };
    let mut v = Vec::new();
    for job in ["a", "b"] {
        v.push(ev(
            0,
            job,
            EventKind::Submitted {
                name: format!("job {job}"),
                fresh: false,
            },
        ));
        v.push(ev(0, job, EventKind::JobStatus { status: J::Running }));
        v.push(task(0, job, 0, X::Running));
    }
    v.push(ev(200, "a", failure("u", "user")));
    v.push(ev(
        200,
        "a",
        EventKind::JobStatus {
            status: J::Restarting,
        },
    ));
    v.push(task(200, "a", 0, X::Canceled));
    v.push(ev(300, "a", EventKind::JobStatus { status: J::Running }));
    v.push(task(300, "a", 1, X::Running));
    v.push(ev(
        300,
        "b",
        EventKind::Requested {
            action: faultline_ledger::UserAction::Redeploy,
        },
    ));
    v.push(ev(
        300,
        "b",
        EventKind::JobStatus {
            status: J::Restarting,
        },
    ));
    v.push(task(300, "b", 0, X::Canceled));
    v.push(ev(320, "b", EventKind::JobStatus { status: J::Running }));
    v.push(task(320, "b", 1, X::Running));
    v.push(ev(600, "a", failure("s", "system")));
    v.push(ev(
        600,
        "a",
        EventKind::JobStatus {
            status: J::Restarting,
        },
    ));
    v.push(task(600, "a", 1, X::Canceled));
    v.push(ev(650, "a", EventKind::JobStatus { status: J::Running }));
    v.push(task(650, "a", 2, X::Running));
    v.push(ev(1000, "", EventKind::Observed));
    v
}

#[test]
fn availability_over_a_window_splits_down_time_by_blame() {
    let mut ledger = Ledger::new(LedgerConfig::default());
    let mut sla = SlaCollector::new(Window {
        from: 250_000,
        to: 1_000_000,
    });
    let mut sink = |s: &Span<'_>| sla.add(s);
    for e in history() {
        ledger.ingest_with(e, &mut sink);
    }
    ledger.finish_with(&mut sink);
    let report = sla.report(&ledger, &Objectives::default());
    let a = report.jobs.iter().find(|j| j.job == "a").expect("a");
    // In the window: 50 s of the user outage, all 50 s of the system one.
    assert_eq!(a.sla.down_by_blame["user"], 50.0);
    assert_eq!(a.sla.down_by_blame["system"], 50.0);
    assert_eq!(a.sla.up, 650.0);
    assert_eq!(a.sla.availability, Some(650.0 / 750.0));
    assert_eq!(a.sla.down_by_category["user/user-thing"], 50.0);
    assert_eq!(a.sla.incidents, 2);
    let b = report.jobs.iter().find(|j| j.job == "b").expect("b");
    assert_eq!(b.sla.excluded["planned"], 20.0);
    assert_eq!(b.sla.availability, Some(1.0));
    assert_eq!(report.fleet.down, 100.0);
    assert_eq!(report.fleet.up, 650.0 + 730.0);
    // 0.1% of 1480 s eligible is 1.48 s of budget per blame: overspent.
    let user = &report.fleet.budgets["user"];
    assert!((user.allowed - 1.48).abs() < 1e-9, "{}", user.allowed);
    assert!(user.remaining < 0.0);
    let table = report.to_table();
    assert!(table.contains("ALL JOBS"), "{table}");
    let csv = report.to_csv();
    assert_eq!(csv.lines().count(), 4, "{csv}");
}

#[test]
fn replay_shows_what_a_new_classification_moves() {
    let (after, diff) =
        faultline_ledger::replay::replay(history(), &LedgerConfig::default(), |_, f| {
            if f.id == "u" {
                f.labels.insert("blame".into(), "dependency".into());
                f.labels.insert("category".into(), "kafka".into());
            }
        });
    assert_eq!(diff.failures, 2);
    assert_eq!(diff.before["user"], 100.0);
    assert_eq!(diff.after["user"], 0.0);
    assert_eq!(diff.after["dependency"], 100.0);
    assert_eq!(diff.moved.get("user -> dependency"), Some(&100.0));
    assert_eq!(diff.moved.len(), 1);
    assert_eq!(diff.changed.len(), 1);
    assert_eq!(diff.changed[0].before, "user/user-thing");
    assert_eq!(diff.changed[0].after, "dependency/kafka");
    assert_eq!(after.job("a").expect("a").totals.down[3], 100_000);
}

#[test]
fn a_live_job_shows_its_open_incident_so_far() {
    let mut ledger = Ledger::new(LedgerConfig::default());
    let mut v = history();
    v.truncate(v.iter().position(|e| e.at == 300_000).expect("300 s"));
    v.push(ev(210, "a", EventKind::JobStatus { status: J::Running }));
    v.push(ev(
        210,
        "a",
        EventKind::Task {
            vertex: "v".into(),
            subtask: 0,
            attempt: 1,
            state: X::Scheduled,
        },
    ));
    v.push(ev(240, "", EventKind::Observed));
    for e in v {
        ledger.ingest(e);
    }
    ledger.flush();
    let job = ledger.job("a").expect("a").settled(&ledger.config().rules);
    let open = job.current_incident().expect("open");
    assert_eq!(open.downtime_ms(), 40_000);
    assert_eq!(job.totals.down[0], 40_000);
}
