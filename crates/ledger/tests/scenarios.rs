//! Hand-built scenarios with exact expected seconds for every attribution rule.

use std::collections::BTreeMap;

use faultline_ledger::{
    Account, Event, EventKind, ExecutionState as X, Failure, Incident, IncidentKind, Job,
    JobStatus as J, Ledger, LedgerConfig, Role, Stage, UserAction, Vertex,
};
use faultline_model::Blame;

const JOB: &str = "job";

/// Builds a job's event stream in seconds, two tasks (`a` and `b`) by default.
struct Script {
    events: Vec<Event>,
    attempt: u32,
}

fn ms(s: f64) -> i64 {
    (s * 1000.0).round() as i64
}

impl Script {
    fn new() -> Script {
        Script {
            events: Vec::new(),
            attempt: 0,
        }
    }

    fn push(&mut self, at: f64, kind: EventKind) -> &mut Self {
        self.events.push(Event {
            at: ms(at),
            job: JOB.into(),
            kind,
        });
        self
    }

    /// A fresh job: submitted and created at 0 with two tasks.
    fn fresh() -> Script {
        let mut s = Script::new();
        s.push(
            0.0,
            EventKind::Submitted {
                name: "demo".into(),
                fresh: true,
            },
        )
        .push(
            0.0,
            EventKind::Topology {
                vertices: vec![
                    Vertex {
                        id: "a".into(),
                        name: "source".into(),
                        parallelism: 1,
                    },
                    Vertex {
                        id: "b".into(),
                        name: "map".into(),
                        parallelism: 1,
                    },
                ],
            },
        )
        .status(0.0, J::Created);
        s
    }

    fn status(&mut self, at: f64, status: J) -> &mut Self {
        self.push(at, EventKind::JobStatus { status })
    }

    fn task(&mut self, at: f64, vertex: &str, state: X) -> &mut Self {
        let attempt = self.attempt;
        self.push(
            at,
            EventKind::Task {
                vertex: vertex.into(),
                subtask: 0,
                attempt,
                state,
            },
        )
    }

    fn tasks(&mut self, at: f64, state: X) -> &mut Self {
        self.task(at, "a", state).task(at, "b", state)
    }

    /// Job RUNNING, tasks go SCHEDULED, DEPLOYING, INITIALIZING, RUNNING at the given times.
    fn start(&mut self, sched: f64, deploy: f64, init: f64, run: f64) -> &mut Self {
        self.status(sched, J::Running)
            .tasks(sched, X::Scheduled)
            .tasks(deploy, X::Deploying)
            .tasks(init, X::Initializing)
            .tasks(run, X::Running)
    }

    /// A new attempt of every task, created at `at`.
    fn new_attempt(&mut self, at: f64) -> &mut Self {
        self.attempt += 1;
        self.tasks(at, X::Created)
    }

    fn fail(&mut self, at: f64, id: &str, blame: &str, category: &str) -> &mut Self {
        let labels = BTreeMap::from([
            ("blame".to_owned(), blame.to_owned()),
            ("category".to_owned(), category.to_owned()),
        ]);
        self.push(
            at,
            EventKind::Failure(Box::new(Failure {
                id: id.into(),
                stacktrace: format!("com.acme.Boom: {id}\n\tat com.acme.Job.map(Job.java:1)"),
                labels,
                ..Failure::default()
            })),
        )
    }

    fn observed(&mut self, at: f64) -> &mut Self {
        self.push(at, EventKind::Observed)
    }

    fn run(&self) -> Job {
        run_with(&self.events, LedgerConfig::default())
    }
}

fn run_with(events: &[Event], config: LedgerConfig) -> Job {
    let mut ledger = Ledger::new(config);
    for e in events {
        ledger.ingest(e.clone());
    }
    ledger.flush();
    let job = ledger
        .job(JOB)
        .expect("job")
        .settled(&ledger.config().rules);
    assert_invariants(&job);
    job
}

fn assert_invariants(job: &Job) {
    let life = job.clock - job.born;
    assert_eq!(job.stages.total(), life, "stages sum to the lifetime");
    assert_eq!(job.totals.total(), life, "accounts sum to the lifetime");
    let incident_time: i64 = job.all_incidents().map(|i| i.stages().total()).sum();
    let down_like = job.totals.downtime() + job.totals.planned + job.totals.startup;
    if job.incidents_dropped == 0 {
        assert_eq!(
            incident_time, down_like,
            "incidents hold all non-running time"
        );
    }
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn stage_secs(i: &Incident) -> Vec<(Stage, f64)> {
    i.stages().iter().map(|(s, m)| (s, secs(m))).collect()
}

#[test]
fn a_fresh_job_starts_up_within_its_allowance() {
    let job = Script::fresh()
        .start(1.0, 2.0, 3.0, 4.0)
        .observed(100.0)
        .run();
    assert_eq!(job.stage, Stage::Running);
    assert_eq!(secs(job.stages[Stage::Created]), 1.0);
    assert_eq!(secs(job.stages[Stage::Scheduling]), 1.0);
    assert_eq!(secs(job.stages[Stage::Deploying]), 1.0);
    assert_eq!(secs(job.stages[Stage::Initializing]), 1.0);
    assert_eq!(secs(job.stages[Stage::Running]), 96.0);
    assert_eq!(secs(job.totals.startup), 4.0);
    assert_eq!(job.totals.downtime(), 0);
    assert_eq!(job.totals.availability(), Some(1.0));
    let startup = &job.incidents[0];
    assert_eq!(startup.kind, IncidentKind::Startup);
    assert_eq!(startup.account(), Account::Startup);
}

#[test]
fn a_slow_startup_beyond_its_allowance_is_the_systems() {
    // Waits 400 s for slots; the allowance is 300 s.
    let job = Script::fresh()
        .start(1.0, 401.0, 402.0, 403.0)
        .observed(500.0)
        .run();
    let i = &job.incidents[0];
    assert_eq!(secs(job.totals.startup), 300.0);
    assert_eq!(secs(job.totals.down_of(Blame::System)), 103.0);
    let slow = i
        .causes
        .iter()
        .find(|c| c.role == Role::SlowStartup)
        .expect("overflow cause");
    assert_eq!(slow.category, "slow-startup");
    assert_eq!(secs(slow.stages[Stage::Scheduling]), 101.0);
}

/// "exception X: 24 s down = 10 s restarting + 2 s scheduling + 1 s deploying + 11 s restore".
#[test]
fn downtime_after_a_failure_belongs_to_it_across_every_stage() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "f1", "user", "user-code")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceling)
        .tasks(100.0, X::Canceled)
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(112.0, X::Scheduled)
        .tasks(112.0, X::Deploying)
        .tasks(113.0, X::Initializing)
        .tasks(124.0, X::Running)
        .observed(200.0);
    let job = s.run();
    assert_eq!(job.incidents.len(), 2);
    let i = &job.incidents[1];
    assert_eq!(i.kind, IncidentKind::Failure);
    assert_eq!(i.account(), Account::Down(Blame::User));
    assert_eq!(i.category(), "user-code");
    assert_eq!(secs(i.downtime_ms()), 24.0);
    assert_eq!(
        stage_secs(i),
        vec![
            (Stage::Scheduling, 2.0),
            (Stage::Deploying, 1.0),
            (Stage::Initializing, 11.0),
            (Stage::Restarting, 10.0)
        ]
    );
    assert!(!i.partial);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 24.0);
    assert_eq!(secs(job.totals.up), 96.0 + 76.0);
    assert_eq!(
        i.stages().breakdown(),
        "24.0s = 2.0s SCHEDULING + 1.0s DEPLOYING + 11.0s INITIALIZING + 10.0s RESTARTING"
    );
}

#[test]
fn a_platform_fault_while_rescheduling_after_a_user_failure_splits_the_blame() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "user", "user", "user-code")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(110.0, X::Scheduled)
        // No slot comes: the platform fails the scheduling after 30 s.
        .fail(140.0, "slots", "system", "no-resources")
        .status(140.0, J::Restarting)
        .tasks(140.0, X::Canceled)
        .status(150.0, J::Running)
        .new_attempt(150.0)
        .tasks(150.0, X::Scheduled)
        .tasks(152.0, X::Deploying)
        .tasks(153.0, X::Initializing)
        .tasks(155.0, X::Running)
        .observed(200.0);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(
        i.account(),
        Account::Down(Blame::User),
        "the root stays the user's"
    );
    assert_eq!(secs(i.downtime_ms()), 55.0);
    assert_eq!(i.causes.len(), 2);
    let (root, second) = (&i.causes[0], &i.causes[1]);
    assert_eq!(root.role, Role::Root);
    assert_eq!(
        secs(root.stages.total()),
        10.0,
        "failing/restarting after the user's failure"
    );
    assert_eq!(secs(root.stages[Stage::Restarting]), 10.0);
    assert_eq!(second.role, Role::Secondary);
    assert_eq!(second.account, Account::Down(Blame::System));
    assert_eq!(second.category, "no-resources");
    assert_eq!(
        secs(second.stages[Stage::Scheduling]),
        32.0,
        "the lost scheduling and the rescheduling"
    );
    assert_eq!(secs(second.stages[Stage::Restarting]), 10.0);
    assert_eq!(secs(second.stages.total()), 45.0);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 10.0);
    assert_eq!(secs(job.totals.down_of(Blame::System)), 45.0);
}

#[test]
fn failures_while_still_failing_are_concurrent_and_own_no_time() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "first", "system", "tm-lost")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .fail(101.0, "second", "user", "user-code")
        .status(105.0, J::Running)
        .new_attempt(105.0)
        .tasks(105.0, X::Running)
        .observed(120.0);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(i.causes.len(), 1);
    assert_eq!(i.concurrent, vec!["second".to_owned()]);
    assert_eq!(secs(job.totals.down_of(Blame::System)), 5.0);
    assert_eq!(job.totals.down_of(Blame::User), 0);
}

#[test]
fn a_cancellation_prolonged_by_user_code_is_the_users_beyond_the_grace() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "tm", "system", "tm-lost")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceling)
        .task(101.0, "a", X::Canceled)
        // `b` ignores the interrupt for 90 s.
        .task(190.0, "b", X::Canceled)
        .status(191.0, J::Running)
        .new_attempt(191.0)
        .tasks(191.0, X::Running)
        .observed(300.0);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(i.account(), Account::Down(Blame::System));
    let slow = i
        .causes
        .iter()
        .find(|c| c.role == Role::SlowCancellation)
        .expect("slow cancellation");
    assert_eq!(slow.account, Account::Down(Blame::User));
    assert_eq!(secs(slow.stages[Stage::Failing]), 60.0);
    assert_eq!(secs(i.causes[0].stages[Stage::Failing]), 30.0);
    assert_eq!(secs(i.causes[0].stages[Stage::Restarting]), 1.0);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 60.0);
    assert_eq!(secs(job.totals.down_of(Blame::System)), 31.0);
}

#[test]
fn a_slow_cancellation_after_a_user_failure_stays_the_users() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "npe", "user", "user-code")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceling)
        .tasks(190.0, X::Canceled)
        .status(190.0, J::Running)
        .new_attempt(190.0)
        .tasks(190.0, X::Running);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(i.causes.len(), 1);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 90.0);
}

#[test]
fn a_failure_during_startup_ends_the_startup_incident() {
    let mut s = Script::fresh();
    s.status(1.0, J::Running)
        .tasks(1.0, X::Scheduled)
        .tasks(2.0, X::Deploying)
        .tasks(3.0, X::Initializing)
        .fail(20.0, "open", "user", "user-code")
        .status(20.0, J::Restarting)
        .tasks(20.0, X::Canceled)
        .status(30.0, J::Running)
        .new_attempt(30.0)
        .tasks(30.0, X::Running);
    let job = s.run();
    assert_eq!(job.incidents.len(), 2);
    assert_eq!(job.incidents[0].kind, IncidentKind::Startup);
    assert_eq!(secs(job.totals.startup), 20.0);
    assert_eq!(job.incidents[1].kind, IncidentKind::Failure);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 10.0);
}

#[test]
fn a_requested_cancel_is_planned_and_the_clock_stops_when_the_job_ends() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(
            200.0,
            EventKind::Requested {
                action: UserAction::Cancel,
            },
        )
        .status(200.0, J::Cancelling)
        .tasks(200.0, X::Canceling)
        .tasks(205.0, X::Canceled)
        .status(205.0, J::Canceled)
        .observed(1000.0);
    let job = s.run();
    assert_eq!(job.stage, Stage::Terminal);
    assert_eq!(secs(job.totals.planned), 5.0);
    assert_eq!(secs(job.stages[Stage::Cancelling]), 5.0);
    assert_eq!(secs(job.clock - job.born), 205.0);
    assert_eq!(
        job.incidents.back().map(|i| i.kind),
        Some(IncidentKind::Planned)
    );
    assert_eq!(job.totals.availability(), Some(1.0));
}

#[test]
fn cancelling_with_no_failure_behind_it_is_planned() {
    let job = Script::fresh()
        .start(1.0, 2.0, 3.0, 4.0)
        .status(50.0, J::Cancelling)
        .status(52.0, J::Canceled)
        .run();
    assert_eq!(secs(job.totals.planned), 2.0);
    assert_eq!(job.totals.downtime(), 0);
}

#[test]
fn a_redeploy_is_planned_until_the_job_runs_again() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(
            100.0,
            EventKind::Requested {
                action: UserAction::Redeploy,
            },
        )
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .status(103.0, J::Running)
        .new_attempt(103.0)
        .tasks(104.0, X::Running)
        .fail(150.0, "later", "user", "user-code")
        .status(150.0, J::Restarting)
        .tasks(150.0, X::Canceled)
        .status(151.0, J::Running)
        .new_attempt(151.0)
        .tasks(151.0, X::Running);
    let job = s.run();
    assert_eq!(secs(job.totals.planned), 4.0);
    assert_eq!(
        secs(job.totals.down_of(Blame::User)),
        1.0,
        "the plan ended when the job ran again"
    );
}

#[test]
fn blind_spans_are_unknown_never_up_or_down() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(100.0, EventKind::BlindStart)
        .push(160.0, EventKind::BlindEnd)
        .observed(200.0);
    let job = s.run();
    assert_eq!(secs(job.stages[Stage::Unknown]), 60.0);
    assert_eq!(secs(job.totals.unobserved), 60.0);
    assert_eq!(secs(job.totals.up), 136.0);
    assert_eq!(job.totals.downtime(), 0);
}

#[test]
fn a_blind_span_inside_an_incident_is_counted_apart() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "f", "dependency", "kafka")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .push(105.0, EventKind::BlindStart)
        .push(125.0, EventKind::BlindEnd)
        .status(130.0, J::Running)
        .new_attempt(130.0)
        .tasks(130.0, X::Running);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(secs(i.unobserved_ms), 20.0);
    assert_eq!(secs(i.downtime_ms()), 10.0);
    assert_eq!(secs(job.totals.down_of(Blame::Dependency)), 10.0);
}

#[test]
fn a_region_failover_counts_the_whole_job_down_until_every_task_runs() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "region", "user", "user-code")
        .task(100.0, "b", X::Failed)
        .push(
            105.0,
            EventKind::Task {
                vertex: "b".into(),
                subtask: 0,
                attempt: 1,
                state: X::Created,
            },
        )
        .push(
            105.0,
            EventKind::Task {
                vertex: "b".into(),
                subtask: 0,
                attempt: 1,
                state: X::Scheduled,
            },
        )
        .push(
            106.0,
            EventKind::Task {
                vertex: "b".into(),
                subtask: 0,
                attempt: 1,
                state: X::Deploying,
            },
        )
        .push(
            107.0,
            EventKind::Task {
                vertex: "b".into(),
                subtask: 0,
                attempt: 1,
                state: X::Initializing,
            },
        )
        .push(
            110.0,
            EventKind::Task {
                vertex: "b".into(),
                subtask: 0,
                attempt: 1,
                state: X::Running,
            },
        )
        .observed(120.0);
    let job = s.run();
    let i = &job.incidents[1];
    assert!(i.partial, "Flink's job status stayed RUNNING");
    assert_eq!(
        stage_secs(i),
        vec![
            (Stage::Scheduling, 1.0),
            (Stage::Deploying, 1.0),
            (Stage::Initializing, 3.0),
            (Stage::Restarting, 5.0)
        ]
    );
    assert_eq!(job.status(), Some(J::Running));
}

#[test]
fn a_status_change_before_its_failure_is_explained_when_the_failure_arrives() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .fail(100.5, "late", "resource", "oom-heap")
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(110.0, X::Running);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(i.kind, IncidentKind::Failure);
    assert_eq!(i.account(), Account::Down(Blame::Resource));
    assert_eq!(secs(job.totals.down_of(Blame::Resource)), 10.0);
}

#[test]
fn down_time_with_no_failure_is_unexplained() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(110.0, X::Running);
    let job = s.run();
    assert_eq!(job.incidents[1].kind, IncidentKind::Unexplained);
    assert_eq!(job.incidents[1].category(), "unexplained");
    assert_eq!(secs(job.totals.down_of(Blame::Unknown)), 10.0);
}

#[test]
fn a_failure_that_does_not_take_the_job_down_closes_with_no_down_time() {
    let job = Script::fresh()
        .start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "harmless", "user", "user-code")
        .observed(200.0)
        .run();
    assert_eq!(job.incidents.len(), 2);
    assert_eq!(job.incidents[1].downtime_ms(), 0);
    assert_eq!(job.incidents[1].end, Some(ms(110.0)));
    assert!(job.current_incident().is_none());
}

#[test]
fn the_same_failure_seen_twice_counts_once() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "f", "user", "user-code")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(110.0, X::Scheduled)
        // The collector re-reads the exception history after a reconnect.
        .fail(120.0, "f", "user", "user-code")
        .tasks(121.0, X::Running);
    let job = s.run();
    let i = &job.incidents[1];
    assert_eq!(i.causes.len(), 1);
    assert_eq!(i.concurrent_count, 0);
    assert_eq!(secs(i.downtime_ms()), 21.0);
}

#[test]
fn stuck_time_is_down_time_blamed_by_the_stall() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(
            200.0,
            EventKind::StuckStart {
                labels: BTreeMap::from([
                    ("blame".into(), "user".into()),
                    ("category".into(), "blocking-udf".into()),
                ]),
            },
        )
        .push(260.0, EventKind::StuckEnd)
        .observed(300.0);
    let job = s.run();
    assert_eq!(secs(job.stages[Stage::Stuck]), 60.0);
    let i = &job.incidents[1];
    assert_eq!(i.kind, IncidentKind::Stuck);
    assert_eq!(i.category(), "blocking-udf");
    assert_eq!(secs(job.totals.down_of(Blame::User)), 60.0);
}

#[test]
fn a_job_failing_for_good_stops_its_clock() {
    let job = Script::fresh()
        .start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "f", "user", "user-code")
        .status(100.0, J::Failing)
        .tasks(100.0, X::Canceling)
        .tasks(101.0, X::Canceled)
        .status(101.0, J::Failed)
        .observed(500.0)
        .run();
    assert_eq!(job.stage, Stage::Terminal);
    assert_eq!(secs(job.clock), 101.0);
    assert_eq!(secs(job.totals.down_of(Blame::User)), 1.0);
    assert!(job.current_incident().is_none());
}

#[test]
fn the_slowest_task_decides_the_stage() {
    // One task gets a slot and runs; the other waits 60 s for one.
    let mut s = Script::fresh();
    s.status(1.0, J::Running)
        .tasks(1.0, X::Scheduled)
        .task(2.0, "a", X::Deploying)
        .task(3.0, "a", X::Initializing)
        .task(4.0, "a", X::Running)
        .task(61.0, "b", X::Deploying)
        .task(62.0, "b", X::Initializing)
        .task(63.0, "b", X::Running);
    let job = s.run();
    assert_eq!(secs(job.stages[Stage::Scheduling]), 60.0);
    assert_eq!(secs(job.stages[Stage::Deploying]), 1.0);
    assert_eq!(secs(job.stages[Stage::Initializing]), 1.0);
}

#[test]
fn events_out_of_order_within_the_bound_give_the_same_result() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .fail(100.0, "user", "user", "user-code")
        .status(100.0, J::Restarting)
        .tasks(100.0, X::Canceled)
        .status(110.0, J::Running)
        .new_attempt(110.0)
        .tasks(110.0, X::Scheduled)
        .fail(140.0, "slots", "system", "no-resources")
        .status(140.0, J::Restarting)
        .observed(200.0);
    let ordered = run_with(&s.events, LedgerConfig::default());
    // Swap neighbours less than 5 s apart: the bound puts them back.
    let mut shuffled = s.events.clone();
    for i in (1..shuffled.len()).step_by(2) {
        if shuffled[i].at - shuffled[i - 1].at < 4000 {
            shuffled.swap(i, i - 1);
        }
    }
    assert_ne!(shuffled, s.events);
    let reordered = run_with(&shuffled, LedgerConfig::default());
    assert_eq!(ordered.totals, reordered.totals);
    assert_eq!(ordered.stages, reordered.stages);
}

#[test]
fn events_later_than_the_bound_are_applied_late_and_counted() {
    let mut ledger = Ledger::new(LedgerConfig::default());
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0).observed(100.0);
    for e in &s.events {
        ledger.ingest(e.clone());
    }
    ledger.ingest(Event {
        at: ms(2.0),
        job: JOB.into(),
        kind: EventKind::Observed,
    });
    ledger.flush();
    assert_eq!(ledger.late, 1);
    let job = ledger.job(JOB).expect("job");
    assert_invariants(job);
}

/// Review finding: a failure while the job is stuck must own what follows.
#[test]
fn a_failure_while_stuck_owns_the_outage_that_follows() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(
            100.0,
            EventKind::StuckStart {
                labels: BTreeMap::from([
                    ("blame".into(), "user".into()),
                    ("category".into(), "blocking-udf".into()),
                ]),
            },
        )
        .fail(200.0, "oom", "resource", "oom-heap")
        .status(200.0, J::Restarting)
        .tasks(200.0, X::Canceled)
        .status(210.0, J::Running)
        .new_attempt(210.0)
        .tasks(210.0, X::Running);
    let job = s.run();
    assert_eq!(secs(job.totals.down_of(Blame::User)), 100.0, "the stall");
    assert_eq!(
        secs(job.totals.down_of(Blame::Resource)),
        10.0,
        "the failure"
    );
    assert_eq!(job.totals.down_of(Blame::Unknown), 0);
}

/// Review finding: a region failover whose FAILED attempt the source never saw (only the
/// failure, then the new attempt's states) still charges the failure from its time on.
#[test]
fn a_failure_seen_before_the_tasks_go_down_owns_the_time_in_between() {
    for delay in [2.0, 8.0] {
        let mut s = Script::fresh();
        s.start(1.0, 2.0, 3.0, 4.0)
            .fail(100.0, "region", "user", "user-code")
            .push(
                100.0 + delay,
                EventKind::Task {
                    vertex: "b".into(),
                    subtask: 0,
                    attempt: 1,
                    state: X::Created,
                },
            )
            .push(
                100.0 + delay,
                EventKind::Task {
                    vertex: "b".into(),
                    subtask: 0,
                    attempt: 1,
                    state: X::Scheduled,
                },
            )
            .push(
                105.0 + delay,
                EventKind::Task {
                    vertex: "b".into(),
                    subtask: 0,
                    attempt: 1,
                    state: X::Running,
                },
            )
            .observed(200.0);
        let job = s.run();
        assert_eq!(
            secs(job.totals.down_of(Blame::User)),
            5.0 + delay,
            "restart delay {delay}"
        );
        assert_eq!(secs(job.stages[Stage::Restarting]), delay);
        assert_eq!(job.totals.down_of(Blame::Unknown), 0);
    }
}

/// Review finding: a request that never took the job down does not make a much later
/// outage planned.
#[test]
fn a_request_that_does_not_take_the_job_down_lapses() {
    let mut s = Script::fresh();
    s.start(1.0, 2.0, 3.0, 4.0)
        .push(
            50.0,
            EventKind::Requested {
                action: UserAction::StopWithSavepoint,
            },
        )
        .fail(1000.0, "tm", "system", "tm-lost")
        .status(1000.0, J::Restarting)
        .tasks(1000.0, X::Canceled)
        .status(1010.0, J::Running)
        .new_attempt(1010.0)
        .tasks(1010.0, X::Running);
    let job = s.run();
    assert_eq!(job.totals.planned, 0);
    assert_eq!(secs(job.totals.down_of(Blame::System)), 10.0);
}

#[test]
fn events_with_impossible_times_are_refused() {
    let mut ledger = Ledger::new(LedgerConfig::default());
    ledger.ingest(Event {
        at: i64::MAX - 5,
        job: JOB.into(),
        kind: EventKind::Observed,
    });
    ledger.ingest(Event {
        at: -1,
        job: JOB.into(),
        kind: EventKind::Observed,
    });
    ledger.flush();
    assert_eq!(ledger.rejected, 2);
    assert!(ledger.is_empty());
}
