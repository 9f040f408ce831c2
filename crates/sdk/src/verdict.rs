//! What a filter answers.

use faultline_model::Blame;

use crate::wit;

/// Labels to set and whether the chain stops; built fluently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    labels: Vec<(String, String)>,
    stop: bool,
    reason: String,
}

impl Verdict {
    /// No labels, the chain goes on.
    pub fn new() -> Self {
        Verdict::default()
    }

    /// Sets `key` to `value` (a later call for the same key replaces it).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        match self.labels.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.labels.push((key, value)),
        }
        self
    }

    /// Sets the `blame` label.
    pub fn blame(self, blame: Blame) -> Self {
        self.label("blame", blame.as_str())
    }

    /// Sets the `category` label.
    pub fn category(self, category: impl Into<String>) -> Self {
        self.label("category", category)
    }

    /// Stops the chain after this filter.
    pub fn stop(mut self) -> Self {
        self.stop = true;
        self
    }

    /// A short human explanation shown with the provenance.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// True when the verdict sets no label.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels set so far.
    pub fn labels(&self) -> &[(String, String)] {
        &self.labels
    }

    pub(crate) fn into_wit(self) -> wit::Verdict {
        wit::Verdict {
            labels: self
                .labels
                .into_iter()
                .map(|(key, value)| wit::Label { key, value })
                .collect(),
            stop: self.stop,
            reason: self.reason,
        }
    }
}
