//! How filter answers combine into one classification. All the rules live here:
//!
//! 1. Filters run in manifest order; each sees the labels applied so far.
//! 2. An enforcing filter's label is applied when its key is not set yet. A
//!    key already set keeps its value (the earlier filter has priority) unless
//!    the filter's manifest entry says `overwrite = true`. Either way the
//!    filter's report lists what it answered, and `applied` what took effect.
//! 3. `stop` from an enforcing filter ends the enforcing part of the chain:
//!    later enforcing filters are reported `not-run`.
//! 4. A shadow filter runs on every input, even after a stop, sees the same
//!    labels an enforcing filter in its place would, and changes nothing: its
//!    answer is only recorded in its report (to compare before rollout).
//!    A canary filter is enforcing for the inputs in its share of jobs and a
//!    shadow for the others; its report says which (`canary`).
//! 5. A filter that fails (trap, timeout, memory, invalid output, unavailable)
//!    contributes nothing. With `on-error = "closed"` its failure also sets
//!    `blame=unknown` and `category=classifier-error` (overwriting) and stops
//!    the chain, so that an incident is never blamed on half an answer.
//! 6. Provenance names, for every final label, the filter that set it.

use faultline_model::{
    BLAME, Blame, CATEGORY, Classification, FilterMode, FilterReport, Outcome, SkipReason,
};

use crate::filter::Verdict;
use crate::manifest::{FailPolicy, FilterSpec};

/// The category a fail-closed filter's failure sets.
pub const CLASSIFIER_ERROR_CATEGORY: &str = "classifier-error";

/// Labels and provenance while a chain runs, in the order they were set.
#[derive(Default)]
pub(crate) struct Merger {
    pub labels: Vec<(String, String)>,
    setters: Vec<String>,
    pub stopped: bool,
    reports: Vec<FilterReport>,
}

impl Merger {
    /// Whether `spec` runs at this point of the chain (rule 3, 4).
    pub(crate) fn runs(&self, spec: &FilterSpec, canary_in: Option<bool>) -> bool {
        !self.stopped || !enforcing(spec, canary_in)
    }

    /// Records a filter that did not run because of an earlier stop.
    pub(crate) fn not_run(&mut self, spec: &FilterSpec, canary_in: Option<bool>) {
        self.reports
            .push(report(spec, canary_in, Outcome::NotRun, 0));
    }

    /// Folds one filter's result into the classification; `canary_in` tells a
    /// canary's treatment of this input.
    pub(crate) fn add(
        &mut self,
        spec: &FilterSpec,
        canary_in: Option<bool>,
        result: Result<Verdict, SkipReason>,
        micros: u64,
    ) {
        let enforcing = enforcing(spec, canary_in);
        match result {
            Ok(v) => {
                let mut r = report(spec, canary_in, Outcome::Ok, micros);
                if enforcing {
                    for (k, v) in &v.labels {
                        if self.set(spec, k, v, spec.overwrite) {
                            r.applied.push(k.clone());
                        }
                    }
                    self.stopped |= v.stop;
                }
                r.labels = v.labels.into_iter().collect();
                r.stop = v.stop;
                r.reason = v.reason;
                self.reports.push(r);
            }
            Err(reason) => {
                tracing::warn!(filter = %spec.name, version = %spec.version, %reason, "filter skipped");
                let mut r = report(spec, canary_in, Outcome::Skipped(reason), micros);
                if spec.on_error == FailPolicy::Closed && enforcing {
                    for (k, v) in [
                        (BLAME, Blame::Unknown.as_str()),
                        (CATEGORY, CLASSIFIER_ERROR_CATEGORY),
                    ] {
                        self.set(spec, k, v, true);
                        r.applied.push(k.to_owned());
                    }
                    self.stopped = true;
                }
                self.reports.push(r);
            }
        }
    }

    /// Sets `key` unless already set and not `overwrite`; true when applied.
    fn set(&mut self, spec: &FilterSpec, key: &str, value: &str, overwrite: bool) -> bool {
        match self.labels.iter().position(|(k, _)| k == key) {
            Some(i) if overwrite => {
                self.labels[i].1 = value.to_owned();
                self.setters[i] = spec.name.clone();
                true
            }
            Some(_) => false,
            None => {
                self.labels.push((key.to_owned(), value.to_owned()));
                self.setters.push(spec.name.clone());
                true
            }
        }
    }

    pub(crate) fn finish(self) -> Classification {
        Classification {
            provenance: self
                .labels
                .iter()
                .map(|(k, _)| k.clone())
                .zip(self.setters)
                .collect(),
            labels: self.labels.into_iter().collect(),
            filters: self.reports,
            chain_version: String::new(),
            baseline: None,
        }
    }
}

/// Whether the filter's labels take effect for this input.
fn enforcing(spec: &FilterSpec, canary_in: Option<bool>) -> bool {
    match spec.mode {
        FilterMode::Enforce => true,
        FilterMode::Shadow => false,
        FilterMode::Canary => canary_in == Some(true),
    }
}

fn report(
    spec: &FilterSpec,
    canary_in: Option<bool>,
    outcome: Outcome,
    micros: u64,
) -> FilterReport {
    FilterReport {
        name: spec.name.clone(),
        version: spec.version.clone(),
        mode: spec.mode,
        outcome,
        labels: Default::default(),
        applied: Vec::new(),
        stop: false,
        reason: String::new(),
        micros,
        canary: canary_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, mode: FilterMode, overwrite: bool, on_error: FailPolicy) -> FilterSpec {
        let text = format!(
            "name = {name:?}\npath = \"x.wasm\"\nmode = {:?}\noverwrite = {overwrite}\non-error = {:?}",
            mode.as_str(),
            if on_error == FailPolicy::Closed {
                "closed"
            } else {
                "open"
            },
        );
        toml::from_str(&text).unwrap()
    }

    fn verdict(labels: &[(&str, &str)], stop: bool) -> Result<Verdict, SkipReason> {
        Ok(Verdict {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            stop,
            reason: String::new(),
        })
    }

    #[test]
    fn earlier_wins_unless_overwrite_and_provenance_follows() {
        let mut m = Merger::default();
        let a = spec("a", FilterMode::Enforce, false, FailPolicy::Open);
        let b = spec("b", FilterMode::Enforce, false, FailPolicy::Open);
        let c = spec("c", FilterMode::Enforce, true, FailPolicy::Open);
        m.add(&a, None, verdict(&[("blame", "user")], false), 1);
        m.add(
            &b,
            None,
            verdict(&[("blame", "system"), ("category", "tm-lost")], false),
            1,
        );
        m.add(
            &c,
            None,
            verdict(&[("category", "heartbeat-timeout")], false),
            1,
        );
        let r = m.finish();
        assert_eq!(r.labels["blame"], "user");
        assert_eq!(r.provenance["blame"], "a");
        assert_eq!(r.labels["category"], "heartbeat-timeout");
        assert_eq!(r.provenance["category"], "c");
        assert_eq!(r.filters[1].applied, vec!["category".to_owned()]);
        assert_eq!(r.filters[1].labels.len(), 2);
    }

    #[test]
    fn stop_skips_enforcers_but_not_shadows() {
        let mut m = Merger::default();
        let a = spec("a", FilterMode::Enforce, false, FailPolicy::Open);
        let s = spec("s", FilterMode::Shadow, false, FailPolicy::Open);
        let b = spec("b", FilterMode::Enforce, false, FailPolicy::Open);
        m.add(&a, None, verdict(&[("blame", "user")], true), 1);
        assert!(m.runs(&s, None) && !m.runs(&b, None));
        m.add(&s, None, verdict(&[("blame", "system")], true), 1);
        m.not_run(&b, None);
        let r = m.finish();
        assert_eq!(r.labels.len(), 1);
        assert_eq!(r.filters[1].applied, Vec::<String>::new());
        assert_eq!(r.filters[1].labels["blame"], "system");
        assert_eq!(r.filters[2].outcome, Outcome::NotRun);
    }

    #[test]
    fn fail_closed_marks_unknown_and_stops() {
        let mut m = Merger::default();
        let a = spec("a", FilterMode::Enforce, false, FailPolicy::Open);
        let z = spec("z", FilterMode::Enforce, false, FailPolicy::Closed);
        m.add(&a, None, verdict(&[("blame", "user")], false), 1);
        m.add(&z, None, Err(SkipReason::Timeout), 5);
        assert!(m.stopped);
        let r = m.finish();
        assert_eq!(r.labels["blame"], "unknown");
        assert_eq!(r.labels["category"], CLASSIFIER_ERROR_CATEGORY);
        assert_eq!(r.provenance["blame"], "z");
        assert_eq!(r.filters[1].outcome, Outcome::Skipped(SkipReason::Timeout));
    }

    #[test]
    fn a_canary_enforces_in_its_share_and_shadows_elsewhere() {
        let c = spec("c", FilterMode::Canary, false, FailPolicy::Closed);
        let b = spec("b", FilterMode::Enforce, false, FailPolicy::Open);
        for canary_in in [true, false] {
            let mut m = Merger::default();
            m.add(&c, Some(canary_in), verdict(&[("blame", "user")], true), 1);
            assert_eq!(m.runs(&b, None), !canary_in);
            m.add(&b, None, verdict(&[("blame", "system")], false), 1);
            let r = m.finish();
            assert_eq!(r.labels["blame"], if canary_in { "user" } else { "system" });
            assert_eq!(r.filters[0].canary, Some(canary_in));
            assert_eq!(r.filters[0].labels["blame"], "user");
        }
        // A canary out of its share never fails the chain closed.
        let mut m = Merger::default();
        m.add(&c, Some(false), Err(SkipReason::Timeout), 5);
        assert!(!m.stopped && m.finish().labels.is_empty());
    }

    #[test]
    fn fail_open_changes_nothing() {
        let mut m = Merger::default();
        let a = spec("a", FilterMode::Enforce, false, FailPolicy::Open);
        m.add(&a, None, Err(SkipReason::Trap("unreachable".into())), 5);
        assert!(!m.stopped);
        assert!(m.finish().labels.is_empty());
    }
}
