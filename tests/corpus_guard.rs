//! Guards on `tests/corpus/`: the corpus stays valid (`check.py`), and the
//! built-in chain's accuracy on a source-disjoint split does not fall.
//!
//! The accuracy floors sit about one point below the figures measured when
//! they were set, so one more miss on either half passes and two fail. Raise
//! them when accuracy rises; lower them only with a reason in the commit
//! (docs/accuracy.md, "Source-disjoint split").

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "corpus files: {files:?}");
    files
}

/// Every corpus file, concatenated as `faultline eval` takes one file.
fn whole_corpus() -> String {
    let mut all = String::new();
    for f in corpus_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        all.push_str(&text);
        if !all.ends_with('\n') {
            all.push('\n');
        }
    }
    all
}

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .env(
            "FAULTLINE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache"),
        )
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn corpus_passes_check_py() {
    let out = Command::new("python3")
        .arg(root().join("tests/corpus/check.py"))
        .current_dir(root())
        .output()
        .expect("python3 must be on PATH to validate tests/corpus/ (check.py)");
    assert!(
        out.status.success(),
        "tests/corpus/check.py failed:\n{}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\nOK"),
        "{}",
        text(&out)
    );
}

struct Floor {
    split: &'static str,
    blame: f64,
    category: f64,
}

// Measured 2026-12 on 275 items (`faultline eval --split-by source`):
//   tune    168 items: blame 92.86 % (156/168), category 87.50 % (147/168)
//   holdout 107 items: blame 93.46 % (100/107), category 86.92 % (93/107)
// (The per-item `split` field gives tune 94.32 % / 92.05 %, holdout
// 90.91 % / 78.79 %: not guarded, both sides share sources.)
const FLOORS: [Floor; 2] = [
    Floor {
        split: "tune",
        blame: 0.918,
        category: 0.865,
    },
    Floor {
        split: "holdout",
        blame: 0.924,
        category: 0.859,
    },
];

/// Items per side of the split by source, computed from the corpus.
fn expected_sizes(corpus: &str) -> BTreeMap<&'static str, usize> {
    let mut sizes = BTreeMap::new();
    let mut side_of_group: BTreeMap<String, &'static str> = BTreeMap::new();
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let item: serde_json::Value = serde_json::from_str(line).unwrap();
        let source = item["source"].as_str().expect("every item has a source");
        let group = faultline_eval::source_group(source);
        let side = faultline_eval::source_split(&group);
        assert_eq!(*side_of_group.entry(group.clone()).or_insert(side), side);
        *sizes.entry(side).or_default() += 1;
    }
    // Both sides hold many groups: no side is one project or capture family.
    let groups: BTreeSet<_> = side_of_group.values().collect();
    assert_eq!(groups.len(), 2, "{side_of_group:?}");
    for side in ["tune", "holdout"] {
        let n = side_of_group.values().filter(|s| **s == side).count();
        assert!(n >= 20, "{side}: only {n} source groups");
    }
    sizes
}

/// One scored run of a half against its floor: `Ok` when at or above it,
/// else the figures, the misses and whether a filter timed out.
fn score(path: &str, floor: &Floor, expected_n: usize) -> Result<(), (String, bool)> {
    let out = faultline(&[
        "eval",
        "--json",
        "--split-by",
        "source",
        "--split",
        floor.split,
        path,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["n"], expected_n, "{}: {v}", floor.split);
    assert_eq!(v["skipped"], serde_json::json!([]), "{}", floor.split);
    assert_eq!(v["category_n"], v["n"], "{}", floor.split);
    let blame = v["blame_accuracy"].as_f64().unwrap();
    let category = v["category_accuracy"].as_f64().unwrap();
    if blame >= floor.blame && category >= floor.category {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Err((
        format!(
            "blame {:.2} % (floor {:.1} %), category {:.2} % (floor {:.1} %)\n\
             misses: {}\nstderr:\n{stderr}",
            blame * 100.0,
            floor.blame * 100.0,
            category * 100.0,
            floor.category * 100.0,
            serde_json::to_string_pretty(&v["worst"]).unwrap(),
        ),
        stderr.contains("reason=timeout"),
    ))
}

#[test]
fn builtin_chain_accuracy_on_the_source_disjoint_split_stays_above_its_floors() {
    let corpus = whole_corpus();
    let sizes = expected_sizes(&corpus);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all.jsonl");
    std::fs::write(&path, &corpus).unwrap();
    let path = path.to_str().unwrap();
    for floor in &FLOORS {
        // A filter stopped by the engine's wall-time cap (a loaded machine)
        // is reported on stderr and can cost an item: only such a run is
        // retried, twice at most.
        let mut failures = Vec::new();
        let mut passed = false;
        for _ in 0..3 {
            match score(path, floor, sizes[floor.split]) {
                Ok(()) => {
                    passed = true;
                    break;
                }
                Err((report, timed_out)) => {
                    failures.push(report);
                    if !timed_out {
                        break;
                    }
                }
            }
        }
        assert!(
            passed,
            "built-in chain below its accuracy floor on the source-disjoint `{}` half \
             (docs/accuracy.md):\n{}",
            floor.split,
            failures.join("\n----\n")
        );
    }
}

#[test]
fn split_by_source_needs_a_split_and_reports_an_empty_one() {
    let corpus = root().join("tests/corpus/pyflink-local.jsonl");
    let corpus = corpus.to_str().unwrap();
    let out = faultline(&["eval", "--split-by", "source", corpus]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--split"),
        "{}",
        text(&out)
    );
    let out = faultline(&["eval", "--split-by", "source", "--split", "other", corpus]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no corpus item of split `other` by source"),
        "{}",
        text(&out)
    );
}
