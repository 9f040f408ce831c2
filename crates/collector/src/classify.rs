//! Failures from Flink's exception history, classified by the chain unless an embedded
//! Faultline already labelled them.

use std::collections::BTreeMap;
use std::sync::Arc;

use faultline_engine::{Chain, SharedChain};
use faultline_ledger::Failure;
use faultline_model::{BLAME, FailureType};
use faultline_stacktrace::OriginRules;

/// The provenance given to labels an embedded classifier wrote into Flink.
pub const EMBEDDED: &str = "embedded";

/// The Flink failure label in which an embedded Faultline names its chain's version.
pub const CHAIN_VERSION_LABEL: &str = "chain-version";

/// Classifies failures with the current chain (which may be replaced while running).
#[derive(Clone)]
pub struct Classifier {
    chain: SharedChain,
    rules: Arc<OriginRules>,
}

impl Classifier {
    /// A classifier over `chain`, telling frame origins apart by `rules`.
    pub fn new(chain: impl Into<SharedChain>, rules: OriginRules) -> Classifier {
        Classifier {
            chain: chain.into(),
            rules: Arc::new(rules),
        }
    }

    /// The chain in use now.
    pub fn chain(&self) -> Arc<Chain> {
        self.chain.current()
    }

    /// Labels `failure` of the job `job` (the ledger's key, `cluster/job-id`, which
    /// picks the job's canary treatment) from its stack trace and context. Labels Flink
    /// already carries from an embedded Faultline (`flink_labels` with a `blame` key)
    /// are used as they are. Returns `false` when the stack trace cannot be parsed: the
    /// failure then gets `blame=unknown`, `category=unparsable` and keeps its text for
    /// a later replay.
    pub fn classify(
        &self,
        job: &str,
        failure: &mut Failure,
        flink_labels: &BTreeMap<String, String>,
    ) -> bool {
        if flink_labels.contains_key(BLAME) {
            failure.labels = flink_labels.clone();
            failure.chain_version = failure
                .labels
                .remove(CHAIN_VERSION_LABEL)
                .unwrap_or_default();
            failure.provenance = failure
                .labels
                .keys()
                .map(|k| (k.clone(), EMBEDDED.to_owned()))
                .collect();
            failure.filters.clear();
            failure.baseline = None;
            return true;
        }
        match faultline_stacktrace::parse_or_message(&failure.stacktrace, &self.rules) {
            Ok(record) => {
                self.apply(job, failure, record, flink_labels);
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
        job: &str,
        failure: &mut Failure,
        mut record: faultline_model::FailureRecord,
        flink_labels: &BTreeMap<String, String>,
    ) {
        let (cluster, job_id) = job.split_once('/').unwrap_or(("", job));
        record.context.cluster = Some(cluster.to_owned());
        record.context.job_id = Some(job_id.to_owned());
        record.context.failure_type = failure.failure_type;
        record.context.task_name = failure.task.clone();
        record.context.subtask_index = failure.subtask;
        record.context.task_manager_id = failure.task_manager.clone();
        let mut c = self.chain.current().classify(&record);
        for (k, v) in flink_labels {
            c.labels.entry(k.clone()).or_insert_with(|| v.clone());
            c.provenance
                .entry(k.clone())
                .or_insert_with(|| "flink".to_owned());
        }
        failure.set_classification(&c);
    }

    /// Classifies a failure in any form `faultline classify` reads (a stack trace, an
    /// exception-history entry or a record as JSON); `job` (`cluster/job-id`) picks the
    /// canary treatment when the input does not name its job.
    pub fn classify_input(
        &self,
        input: &[u8],
        job: Option<&str>,
    ) -> Result<faultline_model::Classification, faultline_stacktrace::ParseError> {
        let mut record = faultline_stacktrace::parse_input(input, &self.rules)?;
        if let Some(job) = job {
            let (cluster, id) = job.split_once('/').unwrap_or(("", job));
            record.context.cluster = Some(cluster.to_owned());
            record.context.job_id = Some(id.to_owned());
        }
        Ok(self.chain.current().classify(&record))
    }

    /// Re-classifies a stored failure of `job` from its stack trace (for `faultline
    /// replay`); `false` (labels kept) when the text does not parse.
    pub fn reclassify(&self, job: &str, failure: &mut Failure) -> bool {
        match faultline_stacktrace::parse_or_message(&failure.stacktrace, &self.rules) {
            Ok(record) => {
                self.apply(job, failure, record, &BTreeMap::new());
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
