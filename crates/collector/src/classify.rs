//! Failures from Flink's exception history, classified by the chain unless an embedded
//! Faultline already labelled them.

use std::collections::BTreeMap;
use std::sync::Arc;

use faultline_engine::Chain;
use faultline_ledger::Failure;
use faultline_model::{BLAME, FailureType};
use faultline_stacktrace::OriginRules;

/// The provenance given to labels an embedded classifier wrote into Flink.
pub const EMBEDDED: &str = "embedded";

/// Classifies failures with a chain.
#[derive(Clone)]
pub struct Classifier {
    chain: Arc<Chain>,
    rules: Arc<OriginRules>,
}

impl Classifier {
    /// A classifier over `chain`, telling frame origins apart by `rules`.
    pub fn new(chain: Arc<Chain>, rules: OriginRules) -> Classifier {
        Classifier {
            chain,
            rules: Arc::new(rules),
        }
    }

    /// The chain.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Labels `failure` from its stack trace and context. Labels Flink already carries
    /// from an embedded Faultline (`flink_labels` with a `blame` key) are used as they
    /// are. Returns `false` when the stack trace cannot be parsed: the failure then gets
    /// `blame=unknown`, `category=unparsable` and keeps its text for a later replay.
    pub fn classify(&self, failure: &mut Failure, flink_labels: &BTreeMap<String, String>) -> bool {
        if flink_labels.contains_key(BLAME) {
            failure.labels = flink_labels.clone();
            failure.provenance = flink_labels
                .keys()
                .map(|k| (k.clone(), EMBEDDED.to_owned()))
                .collect();
            failure.filters.clear();
            return true;
        }
        match faultline_stacktrace::parse_or_message(&failure.stacktrace, &self.rules) {
            Ok(record) => {
                self.apply(failure, record, flink_labels);
                true
            }
            Err(e) => {
                tracing::warn!(failure = %failure.id, error = %e, "cannot parse a failure's stack trace");
                failure.labels = BTreeMap::from([
                    (BLAME.to_owned(), "unknown".to_owned()),
                    ("category".to_owned(), "unparsable".to_owned()),
                ]);
                failure.provenance.clear();
                failure.filters.clear();
                false
            }
        }
    }

    /// Runs the chain on a parsed record of `failure` and takes its labels; Flink's own
    /// labels from other enrichers travel along, never overriding.
    fn apply(
        &self,
        failure: &mut Failure,
        mut record: faultline_model::FailureRecord,
        flink_labels: &BTreeMap<String, String>,
    ) {
        record.context.failure_type = failure.failure_type;
        record.context.task_name = failure.task.clone();
        record.context.subtask_index = failure.subtask;
        record.context.task_manager_id = failure.task_manager.clone();
        let mut c = self.chain.classify(&record);
        for (k, v) in flink_labels {
            c.labels.entry(k.clone()).or_insert_with(|| v.clone());
            c.provenance
                .entry(k.clone())
                .or_insert_with(|| "flink".to_owned());
        }
        failure.set_classification(&c);
    }

    /// Re-classifies a stored failure from its stack trace (for `faultline replay`);
    /// `false` (labels kept) when the text does not parse.
    pub fn reclassify(&self, failure: &mut Failure) -> bool {
        match faultline_stacktrace::parse_or_message(&failure.stacktrace, &self.rules) {
            Ok(record) => {
                self.apply(failure, record, &BTreeMap::new());
                true
            }
            Err(_) => false,
        }
    }
}

/// Flink's failure type, from what an exception-history entry tells.
pub fn failure_type(task_name: Option<&str>, stacktrace: &str) -> FailureType {
    let first = stacktrace.lines().next().unwrap_or_default();
    if first.contains("TaskManager")
        && (first.contains("no longer reachable") || first.contains("heartbeat"))
    {
        FailureType::TaskManager
    } else if task_name.is_some() {
        FailureType::Task
    } else {
        FailureType::Global
    }
}
