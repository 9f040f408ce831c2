//! How fast a change on disk reaches classifications, through the real watcher:
//! from the write to the first result of the new chain.
//!
//! - a changed `chain.toml` over components already in the compile cache;
//! - a chain of new components (the built-in chain's seven, about 1 MB of code,
//!   each made new by a unique custom section so that none is in the cache);
//! - 100 reloads while four threads classify: none lost, failed or mixed.
//!
//! `cargo bench -p faultline-live --bench reload` prints the figures; `ROUNDS=N`
//! changes the number of rounds (default 20).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use faultline_engine::{Engine, EngineConfig, Outcome};
use faultline_live::{ChainSource, LiveChain};

const QUIET: Duration = Duration::from_millis(50);

fn main() {
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20);
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let dir = tmp.path().join("chain");
    faultline_builtin::export(&dir).expect("export");
    let manifest = std::fs::read_to_string(dir.join("chain.toml")).expect("manifest");
    let engine = Engine::new(EngineConfig {
        cache_dir: Some(cache),
        ..EngineConfig::default()
    })
    .expect("engine");
    let live = LiveChain::open(engine, ChainSource::Path(dir.clone())).expect("chain");
    let _watching = live.watch(QUIET).expect("watch");
    let record = faultline_test_filters::sample_record();

    // 1. A changed manifest, components cached.
    let mut cached = Vec::new();
    for i in 0..rounds {
        let text = format!("{manifest}\n# round {i}\n");
        cached.push(time_change(&live, &dir, &record, || {
            std::fs::write(dir.join("chain.toml"), &text).expect("write")
        }));
    }
    report("changed chain.toml, components cached", &mut cached);

    // 2. Every component new.
    let components: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect();
    let total: usize = components.iter().map(|(_, b)| b.len()).sum();
    let mut fresh = Vec::new();
    for i in 0..rounds.min(10) {
        fresh.push(time_change(&live, &dir, &record, || {
            for (name, bytes) in &components {
                let unique = with_custom_section(bytes, &format!("round-{i}-{name}"));
                write_atomically(&dir.join(name), &unique);
            }
        }));
    }
    report(
        &format!(
            "{} new components, {} KB in all (not in the cache)",
            components.len(),
            total / 1024
        ),
        &mut fresh,
    );

    // 3. 100 reloads under load.
    let stop = Arc::new(AtomicBool::new(false));
    let (done, bad) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (live, stop, done, bad) = (live.clone(), stop.clone(), done.clone(), bad.clone());
            let record = record.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let c = live.current().classify(&record);
                    if c.filters
                        .iter()
                        .any(|f| matches!(f.outcome, Outcome::Skipped(_)))
                    {
                        bad.fetch_add(1, Ordering::Relaxed);
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let start = Instant::now();
    let mut swapped = 0;
    for i in 0..100 {
        std::fs::write(dir.join("chain.toml"), format!("{manifest}\n# load {i}\n")).expect("write");
        if matches!(live.reload(), Ok(faultline_live::Reloaded::Swapped { .. })) {
            swapped += 1;
        }
    }
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker");
    }
    println!(
        "100 reloads under load (4 classifying threads): {swapped} swapped in {:.2} s, {} classifications, {} with a skipped filter",
        took.as_secs_f64(),
        done.load(Ordering::Relaxed),
        bad.load(Ordering::Relaxed)
    );
}

/// Time from `change` to the first classification by the changed chain.
fn time_change(
    live: &LiveChain,
    dir: &Path,
    record: &faultline_model::FailureRecord,
    change: impl FnOnce(),
) -> Duration {
    // Let the previous round's events settle so they do not count here.
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    change();
    let target = faultline_engine::Chain::version_of(dir, None).expect("version");
    loop {
        let c = live.current().classify(record);
        if c.chain_version == target {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never reloaded: {:?}",
            live.status().last_failed_reload
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: change → first result median {:.0} ms, max {:.0} ms ({} rounds; the watcher waits {} ms of quiet)",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len(),
        QUIET.as_millis()
    );
}

/// The component with a custom section appended: the same code, new bytes.
fn with_custom_section(bytes: &[u8], name: &str) -> Vec<u8> {
    let mut payload = Vec::new();
    leb(&mut payload, name.len());
    payload.extend_from_slice(name.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    leb(&mut out, payload.len());
    out.extend_from_slice(&payload);
    out
}

fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}
