//! The live chain against real components, real files and real `notify` events.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use faultline_engine::{Engine, EngineConfig, Outcome};
use faultline_live::{ChainSource, LiveChain, LoadError, Reloaded};
use faultline_test_filters::{self as filters, sample_record};

const QUIET: Duration = Duration::from_millis(50);

fn engine(cache: &Path) -> Engine {
    Engine::new(EngineConfig {
        cache_dir: Some(cache.to_owned()),
        ..EngineConfig::default()
    })
    .unwrap()
}

/// A chain directory: `fixed.wasm` copied in, and a manifest of two fixed filters
/// answering `blame` and `category`.
struct Dir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    chain: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        let chain = root.join("chain");
        std::fs::create_dir(&chain).unwrap();
        std::fs::copy(filters::FIXED, chain.join("fixed.wasm")).unwrap();
        let d = Dir {
            _tmp: tmp,
            root,
            chain,
        };
        d.write_manifest("user", "a");
        d
    }

    fn write_manifest(&self, blame: &str, category: &str) {
        std::fs::write(self.chain.join("chain.toml"), manifest(blame, category)).unwrap();
    }
}

fn manifest(blame: &str, category: &str) -> String {
    format!(
        "[[filter]]\nname = \"b\"\npath = \"fixed.wasm\"\n[filter.config]\nlabels = {{ blame = {blame:?} }}\n\
         [[filter]]\nname = \"c\"\npath = \"fixed.wasm\"\n[filter.config]\nlabels = {{ category = {category:?} }}\n"
    )
}

fn labels(live: &LiveChain) -> (String, String, String) {
    let c = live.current().classify(&sample_record());
    (
        c.labels.get("blame").cloned().unwrap_or_default(),
        c.labels.get("category").cloned().unwrap_or_default(),
        c.chain_version,
    )
}

/// Waits (up to 20 s) until the chain answers `blame`.
fn wait_for(live: &LiveChain, blame: &str) -> Duration {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if labels(live).0 == blame {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "the chain never answered blame={blame}; status: {:?}",
        live.status()
    );
}

/// Waits until a reload has been refused with an error containing `needle`.
fn wait_for_refusal(live: &LiveChain, needle: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Some(f) = live.status().last_failed_reload
            && f.error.contains(needle)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "no refused reload mentioning {needle:?}; status: {:?}",
        live.status()
    );
}

fn open(d: &Dir, cache: &Path) -> Arc<LiveChain> {
    LiveChain::open(engine(cache), ChainSource::Path(d.chain.clone())).unwrap()
}

#[test]
fn a_changed_manifest_is_picked_up_and_stamps_a_new_version() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    let live = open(&d, cache.path());
    let _w = live.watch(QUIET).unwrap();
    let (blame, category, v1) = labels(&live);
    assert_eq!((blame.as_str(), category.as_str()), ("user", "a"));
    assert_eq!(v1.len(), 12, "version {v1}");

    d.write_manifest("system", "b");
    wait_for(&live, "system");
    let (_, category, v2) = labels(&live);
    assert_eq!(category, "b");
    assert_ne!(v1, v2);
    assert_eq!(live.status().version, v2);
    assert_eq!(live.status().reloads_ok, 1);

    // Writing the same content again is no new chain.
    d.write_manifest("system", "b");
    assert_eq!(live.reload().unwrap(), Reloaded::Unchanged);
    // The same content as the first chain gives the first version back.
    d.write_manifest("user", "a");
    wait_for(&live, "user");
    assert_eq!(labels(&live).2, v1);
}

#[test]
fn a_replaced_component_is_picked_up() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    let live = open(&d, cache.path());
    let _w = live.watch(QUIET).unwrap();
    assert_eq!(labels(&live).0, "user");
    // The same manifest over a different component: echo reports what it saw.
    let tmp = d.chain.join("fixed.wasm.tmp");
    std::fs::copy(filters::ECHO, &tmp).unwrap();
    std::fs::rename(&tmp, d.chain.join("fixed.wasm")).unwrap();
    let start = Instant::now();
    loop {
        let c = live.current().classify(&sample_record());
        if c.labels.contains_key("echo.root") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "echo never ran: {:?}",
            live.status()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn bad_changes_keep_the_last_good_chain_until_a_good_one_loads() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    let live = open(&d, cache.path());
    let _w = live.watch(QUIET).unwrap();
    let good = labels(&live);

    // A broken manifest.
    std::fs::write(d.chain.join("chain.toml"), "[[filter]]\nname = \"b\"\n").unwrap();
    wait_for_refusal(&live, "missing field `path`");
    assert_eq!(labels(&live), good);
    let failed = live.status().reloads_failed;

    // An invalid component under a new name the manifest points at.
    std::fs::write(d.chain.join("junk.wasm"), b"\0asm not really").unwrap();
    std::fs::write(
        d.chain.join("chain.toml"),
        manifest("system", "x").replace(
            "fixed.wasm\"\n[filter.config]\nlabels = { category",
            "junk.wasm\"\n[filter.config]\nlabels = { category",
        ),
    )
    .unwrap();
    wait_for_refusal(&live, "filter c");
    assert_eq!(labels(&live), good);
    assert!(live.status().reloads_failed > failed);

    // A filter whose init refuses its config.
    std::fs::write(
        d.chain.join("chain.toml"),
        manifest("system", "x")
            + "[[filter]]\nname = \"r\"\npath = \"fixed.wasm\"\n[filter.config]\nrefuse = true\n",
    )
    .unwrap();
    wait_for_refusal(&live, "init refused");
    assert_eq!(labels(&live), good);

    // A deleted component (removed first: no good manifest may meet it on disk).
    std::fs::remove_file(d.chain.join("fixed.wasm")).unwrap();
    d.write_manifest("system", "x");
    // Whichever event came first, the chain with a missing file is refused.
    std::thread::sleep(Duration::from_millis(500));
    assert!(matches!(live.reload(), Err(LoadError::Filter { .. })));
    assert_eq!(labels(&live), good);
    assert!(
        live.status()
            .last_failed_reload
            .unwrap()
            .error
            .contains("cannot read")
    );

    // Putting it back loads the pending manifest; the error is gone.
    std::fs::copy(filters::FIXED, d.chain.join("fixed.wasm")).unwrap();
    wait_for(&live, "system");
    assert!(live.status().last_failed_reload.is_none());
}

#[test]
fn a_directory_swapped_in_by_rename_is_followed() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    let live = open(&d, cache.path());
    let _w = live.watch(QUIET).unwrap();
    assert_eq!(labels(&live).0, "user");
    for (round, blame) in ["system", "resource", "dependency"].into_iter().enumerate() {
        let next = d.root.join(format!("chain.new{round}"));
        std::fs::create_dir(&next).unwrap();
        std::fs::copy(filters::FIXED, next.join("fixed.wasm")).unwrap();
        std::fs::write(next.join("chain.toml"), manifest(blame, "swapped")).unwrap();
        std::fs::rename(&d.chain, d.root.join(format!("chain.old{round}"))).unwrap();
        std::fs::rename(&next, &d.chain).unwrap();
        wait_for(&live, blame);
    }
}

#[test]
fn the_built_in_chain_never_changes() {
    let cache = tempfile::tempdir().unwrap();
    let live = LiveChain::open(engine(cache.path()), ChainSource::BuiltIn).unwrap();
    let _w = live.watch(QUIET).unwrap();
    assert_eq!(live.reload().unwrap(), Reloaded::Unchanged);
    assert!(!live.status().version.is_empty());
}

#[test]
fn a_chain_that_does_not_validate_is_refused_at_open() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    std::fs::write(d.chain.join("fixed.wasm"), b"garbage").unwrap();
    let err = LiveChain::open(engine(cache.path()), ChainSource::Path(d.chain.clone()))
        .err()
        .expect("refused");
    assert!(err.to_string().contains("filter b"), "{err}");
}

/// 100 reloads while four threads classify without pause: every classification
/// succeeds, and each is wholly from one chain (its labels match its version).
#[test]
fn a_hundred_reloads_under_load_lose_or_mix_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    let live = open(&d, cache.path());
    let version_a = labels(&live).2;
    d.write_manifest("system", "b");
    live.reload().unwrap();
    let version_b = labels(&live).2;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (live, stop, done) = (live.clone(), stop.clone(), done.clone());
            let (va, vb) = (version_a.clone(), version_b.clone());
            std::thread::spawn(move || {
                let record = sample_record();
                while !stop.load(Ordering::Relaxed) {
                    let c = live.current().classify(&record);
                    assert!(
                        c.filters.iter().all(|f| f.outcome == Outcome::Ok),
                        "{:?}",
                        c.filters
                    );
                    let (b, cat) = (&c.labels["blame"], &c.labels["category"]);
                    let whole_a = b == "user" && cat == "a" && c.chain_version == va;
                    let whole_b = b == "system" && cat == "b" && c.chain_version == vb;
                    assert!(whole_a || whole_b, "a mixed result: {c:?}");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for i in 0..100 {
        let (blame, category) = if i % 2 == 0 {
            ("user", "a")
        } else {
            ("system", "b")
        };
        d.write_manifest(blame, category);
        assert!(matches!(live.reload().unwrap(), Reloaded::Swapped { .. }));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("a classifying thread failed");
    }
    assert!(done.load(Ordering::Relaxed) > 100);
    assert_eq!(live.status().reloads_ok, 101);
}

/// A provider's chain stays short: its own filter, then the built-in chain by reference.
#[test]
fn a_manifest_includes_built_in_filters_by_reference() {
    let cache = tempfile::tempdir().unwrap();
    let d = Dir::new();
    std::fs::write(
        d.chain.join("chain.toml"),
        "[[filter]]\nname = \"mine\"\npath = \"fixed.wasm\"\n[filter.config]\nlabels = { team = \"ads\" }\n\
         [[filter]]\nbuiltin = \"*\"\n",
    )
    .unwrap();
    let live = open(&d, cache.path());
    let names: Vec<String> = live
        .current()
        .filters()
        .into_iter()
        .map(|f| f.name)
        .collect();
    let builtin: Vec<String> = faultline_builtin::chain(&engine(cache.path()))
        .unwrap()
        .filters()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names[0], "mine");
    assert_eq!(names[1..], builtin[..]);
    let c = live.current().classify(&sample_record());
    assert_eq!(c.labels["team"], "ads");
    // The built-in rules came with their built-in config: the user's exception is the user's.
    assert_eq!(c.labels["blame"], "user", "{c:?}");

    // One built-in filter by name, renamed and in shadow, config from the built-in chain.
    std::fs::write(
        d.chain.join("chain.toml"),
        "[[filter]]\nname = \"origin-next\"\nbuiltin = \"origin\"\nmode = \"shadow\"\n",
    )
    .unwrap();
    assert!(matches!(live.reload(), Ok(Reloaded::Swapped { .. })));
    let c = live.current().classify(&sample_record());
    assert!(c.labels.is_empty(), "{c:?}");
    assert_eq!(c.filters[0].labels["blame"], "user", "{c:?}");

    for (manifest, needle) in [
        (
            "[[filter]]\nbuiltin = \"nope\"\n",
            "no built-in filter \"nope\"",
        ),
        (
            "[[filter]]\nbuiltin = \"origin\"\npath = \"x.wasm\"\n",
            "not both",
        ),
        (
            "[[filter]]\nname = \"origin\"\npath = \"fixed.wasm\"\n[[filter]]\nbuiltin = \"*\"\n",
            "appears twice",
        ),
    ] {
        std::fs::write(d.chain.join("chain.toml"), manifest).unwrap();
        let err = live.reload().unwrap_err().to_string();
        assert!(err.contains(needle), "{manifest}: {err}");
    }
}
