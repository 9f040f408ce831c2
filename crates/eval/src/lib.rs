//! Accuracy of a chain on a labeled corpus: JSON lines with at least
//! `stacktrace` and `blame` (optionally `category`, `source`, `split`).
//!
//! Items can be divided two ways ([`SplitBy`]): by their own `split` field
//! (fixed per item id, so both sides share sources), or by [`source_group`]
//! (every item of one source on the same side; see docs/accuracy.md).

use std::collections::BTreeMap;

use faultline_engine::Chain;
use faultline_model::Blame;
use faultline_stacktrace::OriginRules;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One labeled failure of a corpus.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    pub stacktrace: String,
    pub blame: Blame,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// The part of the corpus the item belongs to (`tune`, `holdout`).
    #[serde(default)]
    pub split: Option<String>,
}

/// How items are assigned to a split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SplitBy {
    /// The item's own `split` field (in `tests/corpus/`: a hash of its id,
    /// so the same source can sit on both sides).
    #[default]
    Field,
    /// [`source_split`] of the item's [`source_group`]: no source group on
    /// both sides. Items without a `source` belong to no split.
    Source,
}

/// The origin group of a corpus item's `source`: items of one group share a
/// reporter, project or capture family and are kept on one side of a
/// source-disjoint split.
///
/// - a capture (`tests/flink/SCRIPT CASE ...`): `SCRIPT:FAMILY`, the family
///   being the case name up to its first `-` (`capture.sh:jdbc` for every
///   PostgreSQL case, `capture.sh:tm` for `tm-killed` and `tm-frozen`);
/// - a GitHub URL: the repository, `github.com/owner/name` lower-cased (its
///   issues, pull requests and files, such as a blog kept in a repository);
/// - a Stack Overflow URL: the question, `stackoverflow.com/questions/N`;
/// - any other URL: its host without `www.` (one blog or forum site);
/// - anything else: the text itself, trimmed.
pub fn source_group(source: &str) -> String {
    let source = source.trim();
    if let Some(rest) = source.strip_prefix("tests/flink/") {
        let mut words = rest.split_whitespace();
        let script = words.next().unwrap_or_default();
        let family = words
            .next()
            .and_then(|case| case.split('-').next())
            .unwrap_or_default()
            .trim_end_matches(',');
        return format!("{script}:{family}");
    }
    let Some((_, rest)) = source.split_once("://") else {
        return source.to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let host = parts.next().unwrap_or_default().to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let path: Vec<&str> = parts.collect();
    match host.as_str() {
        "github.com" if path.len() >= 2 => {
            format!("{host}/{}/{}", path[0], path[1]).to_ascii_lowercase()
        }
        "stackoverflow.com" if path.len() >= 2 && path[0] == "questions" => {
            format!("{host}/questions/{}", path[1])
        }
        _ => host,
    }
}

/// The side of a source-disjoint split a source group falls on: `holdout`
/// when the first hex digit of SHA-256 of `group` is 0–5 (the corpus's
/// per-item rule, applied to the group), else `tune`.
pub fn source_split(group: &str) -> &'static str {
    if Sha256::digest(group.as_bytes())[0] >> 4 <= 5 {
        "holdout"
    } else {
        "tune"
    }
}

impl Item {
    /// The split this item belongs to under `by`, if any.
    pub fn split_by(&self, by: SplitBy) -> Option<&str> {
        match by {
            SplitBy::Field => self.split.as_deref(),
            SplitBy::Source => self
                .source
                .as_deref()
                .map(|s| source_split(&source_group(s))),
        }
    }
}

/// Accuracy of one expected blame.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClassAccuracy {
    pub n: usize,
    pub correct: usize,
    pub accuracy: f64,
}

/// A corpus item the chain got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    pub line: usize,
    pub source: Option<String>,
    pub expected: Blame,
    pub got: Blame,
    pub expected_category: Option<String>,
    pub got_category: Option<String>,
}

/// A line that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub line: usize,
    pub error: String,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub n: usize,
    pub blame_accuracy: f64,
    pub per_blame: BTreeMap<Blame, ClassAccuracy>,
    /// expected blame → predicted blame → count.
    pub confusion: BTreeMap<Blame, BTreeMap<Blame, usize>>,
    /// Share of items with a `category` whose category was right.
    pub category_accuracy: f64,
    pub category_n: usize,
    /// Blame misses first, then category misses, in corpus order.
    pub worst: Vec<Miss>,
    pub skipped: Vec<Skipped>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Classifies every line of `corpus` with `chain` and scores the answers.
/// Unreadable lines are reported in `skipped`, never fatal.
pub fn evaluate(chain: &Chain, corpus: &str, rules: &OriginRules) -> Report {
    evaluate_split(chain, corpus, rules, None)
}

/// As [`evaluate`], counting only items whose `split` equals `split` when
/// one is given (items without a `split` are then left out, so tuning data
/// never leaks into a held-out figure). Lines of other splits are neither
/// scored nor reported as skipped.
pub fn evaluate_split(
    chain: &Chain,
    corpus: &str,
    rules: &OriginRules,
    split: Option<&str>,
) -> Report {
    evaluate_split_by(chain, corpus, rules, split, SplitBy::Field)
}

/// As [`evaluate_split`], with items assigned to splits by `by`: with
/// [`SplitBy::Source`], `split` (`tune` or `holdout`) selects the items whose
/// [`source_group`] falls on that side.
pub fn evaluate_split_by(
    chain: &Chain,
    corpus: &str,
    rules: &OriginRules,
    split: Option<&str>,
    by: SplitBy,
) -> Report {
    let mut r = Report::default();
    let (mut correct, mut category_correct) = (0, 0);
    let mut category_misses = Vec::new();
    for (i, line) in corpus.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let item: Item = match serde_json::from_str(line) {
            Ok(item) => item,
            Err(e) => {
                r.skipped.push(Skipped {
                    line: line_no,
                    error: format!("not a corpus item: {e}"),
                });
                continue;
            }
        };
        if split.is_some_and(|s| item.split_by(by) != Some(s)) {
            continue;
        }
        let record = match faultline_stacktrace::parse_or_message(&item.stacktrace, rules) {
            Ok(record) => record,
            Err(e) => {
                r.skipped.push(Skipped {
                    line: line_no,
                    error: e.to_string(),
                });
                continue;
            }
        };
        let result = chain.classify(&record);
        let got = result.blame();
        let got_category = result.category().map(str::to_owned);
        r.n += 1;
        *r.confusion
            .entry(item.blame)
            .or_default()
            .entry(got)
            .or_default() += 1;
        let class = r.per_blame.entry(item.blame).or_default();
        class.n += 1;
        let miss = Miss {
            line: line_no,
            source: item.source.clone(),
            expected: item.blame,
            got,
            expected_category: item.category.clone(),
            got_category: got_category.clone(),
        };
        if got == item.blame {
            correct += 1;
            class.correct += 1;
        } else {
            r.worst.push(miss.clone());
        }
        if let Some(expected) = &item.category {
            r.category_n += 1;
            if got_category.as_deref() == Some(expected.as_str()) {
                category_correct += 1;
            } else if got == item.blame {
                category_misses.push(miss);
            }
        }
    }
    for class in r.per_blame.values_mut() {
        class.accuracy = ratio(class.correct, class.n);
    }
    r.blame_accuracy = ratio(correct, r.n);
    r.category_accuracy = ratio(category_correct, r.category_n);
    r.worst.extend(category_misses);
    r.worst.truncate(20);
    r
}

impl Report {
    /// The human form: accuracies, the confusion matrix and the worst misses.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "items: {}  skipped: {}", self.n, self.skipped.len());
        let _ = writeln!(out, "blame accuracy: {:.1}%", self.blame_accuracy * 100.0);
        let _ = writeln!(
            out,
            "category accuracy: {:.1}% of {}",
            self.category_accuracy * 100.0,
            self.category_n
        );
        for (blame, c) in &self.per_blame {
            let _ = writeln!(
                out,
                "  {:<10} {:>5.1}%  ({}/{})",
                blame.as_str(),
                c.accuracy * 100.0,
                c.correct,
                c.n
            );
        }
        let _ = write!(
            out,
            "\nconfusion (rows expected, columns predicted)\n{:<11}",
            ""
        );
        for b in Blame::ALL {
            let _ = write!(out, "{:>11}", b.as_str());
        }
        out.push('\n');
        for (expected, row) in &self.confusion {
            let _ = write!(out, "{:<11}", expected.as_str());
            for b in Blame::ALL {
                let _ = write!(out, "{:>11}", row.get(&b).copied().unwrap_or(0));
            }
            out.push('\n');
        }
        if !self.worst.is_empty() {
            let _ = writeln!(out, "\nworst misclassifications:");
            for m in &self.worst {
                let _ = writeln!(
                    out,
                    "  line {}: expected {}/{} got {}/{}  {}",
                    m.line,
                    m.expected,
                    m.expected_category.as_deref().unwrap_or("-"),
                    m.got,
                    m.got_category.as_deref().unwrap_or("-"),
                    m.source.as_deref().unwrap_or("")
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain() -> Chain {
        let engine = faultline_engine::Engine::with_defaults().unwrap();
        faultline_builtin::chain(&engine).unwrap()
    }

    const TRACE: &str =
        "java.lang.IllegalStateException: bad record\n\tat com.acme.Job.map(Job.java:1)\n";

    fn line(split: Option<&str>) -> String {
        let mut item =
            serde_json::json!({"stacktrace": TRACE, "blame": "user", "category": "user-code"});
        if let Some(s) = split {
            item["split"] = s.into();
        }
        item.to_string()
    }

    #[test]
    fn split_selects_only_items_of_that_split() {
        let corpus = [
            line(Some("tune")),
            line(Some("holdout")),
            line(Some("holdout")),
            line(None),
            "{bad".into(),
        ]
        .join("\n");
        let chain = chain();
        let rules = OriginRules::default();
        let all = evaluate(&chain, &corpus, &rules);
        assert_eq!((all.n, all.skipped.len()), (4, 1));
        let holdout = evaluate_split(&chain, &corpus, &rules, Some("holdout"));
        assert_eq!(holdout.n, 2);
        assert_eq!(holdout.per_blame[&Blame::User].n, 2);
        assert_eq!(evaluate_split(&chain, &corpus, &rules, Some("tune")).n, 1);
        assert_eq!(evaluate_split(&chain, &corpus, &rules, Some("other")).n, 0);
        // An unreadable line is still reported: it might belong to the split.
        assert_eq!(holdout.skipped.len(), 1);
    }

    #[test]
    fn source_groups_follow_capture_families_repositories_questions_and_sites() {
        let cases = [
            (
                "tests/flink/capture.sh jdbc-refused (Flink 2.3.0)",
                "capture.sh:jdbc",
            ),
            (
                "tests/flink/capture.sh jdbc-deadlock (Flink 2.3.0)",
                "capture.sh:jdbc",
            ),
            (
                "tests/flink/capture.sh tm-frozen, ResourceManager variant (Flink 2.3.0)",
                "capture.sh:tm",
            ),
            (
                "tests/flink/capture-python.sh udf-memory-error (PyFlink 2.3.0)",
                "capture-python.sh:udf",
            ),
            (
                "https://github.com/apache/flink-cdc/issues/1085",
                "github.com/apache/flink-cdc",
            ),
            (
                "https://github.com/Apache/Flink-CDC/pull/7#issuecomment-1",
                "github.com/apache/flink-cdc",
            ),
            (
                "https://github.com/DataLinkDC/dinky/blob/55a9e2c/docs/docs/faq.md",
                "github.com/datalinkdc/dinky",
            ),
            (
                "https://stackoverflow.com/questions/79818098/flink-job-manager?r=1",
                "stackoverflow.com/questions/79818098",
            ),
            (
                "https://www.ververica.com/knowledge-base/some-page",
                "ververica.com",
            ),
            ("http://583.cn/article/328.html", "583.cn"),
            ("  a mailing list post ", "a mailing list post"),
        ];
        for (source, group) in cases {
            assert_eq!(source_group(source), group, "{source}");
        }
    }

    #[test]
    fn source_split_is_the_sha256_rule_on_the_group() {
        // sha256("capture.sh:jdbc") starts with a digit above 5,
        // sha256("github.com/apache/flink-cdc") with one of 0-5 (checked with
        // Python's hashlib): the split must not change between versions.
        assert_eq!(source_split("capture.sh:jdbc"), "tune");
        assert_eq!(source_split("github.com/apache/flink-cdc"), "holdout");
    }

    #[test]
    fn split_by_source_keeps_every_source_on_one_side() {
        let item = |source: &str, split: &str| {
            serde_json::json!({
                "stacktrace": TRACE, "blame": "user", "category": "user-code",
                "source": source, "split": split,
            })
            .to_string()
        };
        // Three threads of one repository, with per-item splits on both sides.
        let corpus = [
            item("https://github.com/apache/flink-cdc/issues/1", "tune"),
            item("https://github.com/apache/flink-cdc/issues/2", "holdout"),
            item("https://github.com/apache/flink-cdc/pull/3", "tune"),
            item(
                "tests/flink/capture.sh jdbc-refused (Flink 2.3.0)",
                "holdout",
            ),
            // No source: in no split by source.
            line(Some("holdout")),
        ]
        .join("\n");
        let chain = chain();
        let rules = OriginRules::default();
        let by = |split| evaluate_split_by(&chain, &corpus, &rules, Some(split), SplitBy::Source);
        // flink-cdc falls on holdout, capture.sh:jdbc on tune (see above).
        assert_eq!((by("holdout").n, by("tune").n), (3, 1));
        // By the field, the same repository is split 2 / 1.
        let field = |split| evaluate_split(&chain, &corpus, &rules, Some(split));
        assert_eq!((field("holdout").n, field("tune").n), (3, 2));
        assert_eq!(
            evaluate_split_by(&chain, &corpus, &rules, None, SplitBy::Source).n,
            5
        );
    }
}
