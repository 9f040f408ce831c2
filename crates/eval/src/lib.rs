//! Accuracy of a chain on a labeled corpus: JSON lines with at least
//! `stacktrace` and `blame` (optionally `category`, `source`, `split`).

use std::collections::BTreeMap;

use faultline_engine::Chain;
use faultline_model::Blame;
use faultline_stacktrace::OriginRules;
use serde::{Deserialize, Serialize};

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
        if split.is_some_and(|s| item.split.as_deref() != Some(s)) {
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
}
