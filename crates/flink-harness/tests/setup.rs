//! First-time set-up (download, unpack, compile the jobs), meant to be run by hand, twice at once,
//! against an empty cache to check that concurrent test processes do not trip over each other:
//!
//! ```sh
//! export FAULTLINE_FLINK_CACHE=$(mktemp -d)
//! for i in 1 2; do cargo test -p faultline-flink-harness --test setup -- --ignored & done; wait
//! ```

use faultline_flink_harness::{flink_dist, jobs_jar};

#[test]
#[ignore = "downloads ~330 MB when the cache is empty; see the module docs"]
fn first_setup_is_safe_to_race() {
    let dist = flink_dist().expect("Flink unpacked");
    assert!(dist.dist_jar().is_file());
    assert!(!dist.java_module_opts().unwrap().is_empty());
    let jar = jobs_jar().expect("jobs compiled");
    let names = std::process::Command::new("jar")
        .arg("tf")
        .arg(&jar)
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&names.stdout);
    assert!(
        names.contains("com/acme/jobs/BlockForever.class"),
        "{names}"
    );
    assert!(names.contains("com/acme/jobs/Steady.class"), "{names}");
}
