//! Real thread dumps of stuck threads (tests/java/com/acme/jobs/StuckFixtures.java,
//! Java 17): `jstack` text and Flink's thread-dump JSON of the same scenarios.

use faultline_model::{Origin, StuckSample, ThreadState};
use faultline_stacktrace::{OriginRules, parse_thread_dump};

fn load(name: &str) -> StuckSample {
    let path = format!("{}/tests/data/threads/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rules = OriginRules::default().with_user_prefix("com.acme");
    parse_thread_dump(&bytes, &rules).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn task(sample: &StuckSample) -> &faultline_model::ThreadSample {
    let tasks: Vec<_> = sample.threads.iter().filter(|t| t.task_thread).collect();
    assert_eq!(
        tasks.len(),
        1,
        "{:?}",
        tasks.iter().map(|t| &t.name).collect::<Vec<_>>()
    );
    tasks[0]
}

#[test]
fn every_fixture_has_its_task_thread_and_jvm_threads() {
    for scenario in ["deadlock", "sleep", "socket", "future", "spin"] {
        for file in [
            format!("jstack_{scenario}.txt"),
            format!("rest_{scenario}.json"),
        ] {
            let s = load(&file);
            assert!(s.threads.len() >= 4, "{file}");
            assert!(s.threads.iter().any(|t| t.name == "Finalizer"), "{file}");
            let t = task(&s);
            assert!(t.thread_id.is_some(), "{file}");
            // ThreadInfo.toString() keeps 8 frames: the socket read's user frame is cut.
            assert!(
                t.frames.iter().any(|f| f.origin == Origin::User)
                    || (file == "rest_socket.json" && t.frames.len() == 8),
                "{file}: {:?}",
                t.frames
            );
        }
    }
}

#[test]
fn deadlock_threads_wait_for_each_other() {
    for file in ["jstack_deadlock.txt", "rest_deadlock.json"] {
        let s = load(file);
        let a = s
            .threads
            .iter()
            .position(|t| t.name == "Map -> Filter (1/2)#0")
            .unwrap();
        let b = s
            .threads
            .iter()
            .position(|t| t.name == "inventory-refresher")
            .unwrap();
        let (ta, tb) = (&s.threads[a], &s.threads[b]);
        assert_eq!(
            (ta.state, tb.state),
            (ThreadState::Blocked, ThreadState::Blocked),
            "{file}"
        );
        assert_eq!(ta.lock_owner, Some(b as u32), "{file}");
        assert_eq!(tb.lock_owner, Some(a as u32), "{file}");
        // Each waits for the lock the other holds.
        assert_eq!(
            ta.waiting_on.as_ref(),
            Some(&tb.locks_held[0].lock),
            "{file}"
        );
        assert_eq!(
            tb.waiting_on.as_ref(),
            Some(&ta.locks_held[0].lock),
            "{file}"
        );
        assert!(
            ta.waiting_on
                .as_ref()
                .unwrap()
                .starts_with("java.lang.Object@")
        );
        assert_eq!(ta.frames[0].method, "lockOrdersThenInventory");
        // The deadlock report's repeated stacks are not threads of their own.
        assert_eq!(
            s.threads
                .iter()
                .filter(|t| t.name == "inventory-refresher")
                .count(),
            1
        );
    }
}

#[test]
fn waits_and_states_of_the_other_scenarios() {
    let s = load("jstack_sleep.txt");
    let t = task(&s);
    assert_eq!(t.state, ThreadState::TimedWaiting);
    assert_eq!(
        (t.frames[0].class.as_str(), t.frames[0].method.as_str()),
        ("java.lang.Thread", "sleep")
    );
    assert!(t.frames[0].native);

    let s = load("jstack_socket.txt");
    let t = task(&s);
    assert_eq!(t.state, ThreadState::Runnable);
    assert!(
        t.frames
            .iter()
            .any(|f| f.class == "java.net.Socket$SocketInputStream")
    );

    let s = load("jstack_future.txt");
    let t = task(&s);
    assert_eq!(t.state, ThreadState::Waiting);
    assert!(
        t.waiting_on
            .as_deref()
            .unwrap()
            .starts_with("java.util.concurrent.CompletableFuture$Signaller@0x")
    );

    let s = load("rest_future.json");
    let t = task(&s);
    assert_eq!(t.state, ThreadState::Waiting);
    assert!(
        t.waiting_on
            .as_deref()
            .unwrap()
            .starts_with("java.util.concurrent.CompletableFuture$Signaller@")
    );

    for file in ["jstack_spin.txt", "rest_spin.json"] {
        let s = load(file);
        let t = task(&s);
        assert_eq!(t.state, ThreadState::Runnable);
        assert_eq!(t.frames[0].method, "spin", "{file}");
        assert_eq!(t.frames[0].origin, Origin::User);
    }
}
