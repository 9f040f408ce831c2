//! What a filter answers.

use std::cell::Cell;

use faultline_abi::{self as abi, verdict as v};
use faultline_model::Blame;

thread_local! {
    /// Buffers of the previous answer, reused by the next verdict so that
    /// answering allocates nothing in the steady state.
    static SPARE: Cell<(Vec<u32>, Vec<[u32; 4]>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// Labels to set and whether the chain stops; built fluently.
///
/// The verdict is built in place as the contract's answer (layout in
/// `faultline_abi::verdict`): its text goes into the answer's buffer and
/// finishing it only appends the label rows.
#[derive(Clone)]
pub struct Verdict {
    /// The answer under construction: header words, then text bytes
    /// (replaced values stay, unreferenced).
    buf: Vec<u32>,
    /// Bytes of `buf` used (header included).
    used: usize,
    /// Per label: key span, value span (byte ranges of `buf`).
    rows: Vec<[u32; 4]>,
    stop: bool,
    reason: String,
}

impl Default for Verdict {
    fn default() -> Self {
        Verdict::new()
    }
}

impl Verdict {
    /// No labels, the chain goes on.
    pub fn new() -> Self {
        let (mut buf, mut rows) = SPARE.take();
        buf.clear();
        rows.clear();
        Verdict {
            buf,
            used: v::HEADER * 4,
            rows,
            stop: false,
            reason: String::new(),
        }
    }

    fn push(&mut self, s: &str) -> (u32, u32) {
        let start = self.used;
        let end = start + s.len();
        let words = end.div_ceil(4);
        if words > self.buf.capacity() {
            // Doubling while small; past 1 MiB grow by a sixteenth, so that a
            // huge answer does not need twice its size while it is copied.
            let cap = self.buf.capacity();
            let want = if cap < 1 << 18 {
                words.max(2 * cap)
            } else {
                words + words / 16
            };
            self.buf
                .reserve_exact(want.max(v::HEADER * 2) - self.buf.len());
        }
        if words > self.buf.len() {
            self.buf.resize(words.max(v::HEADER), 0);
        }
        bytes_mut(&mut self.buf)[start..end].copy_from_slice(s.as_bytes());
        self.used = end;
        (abi::to_u32(start), abi::to_u32(s.len()))
    }

    fn get(&self, span: (u32, u32)) -> &str {
        abi::text(abi::bytes(&self.buf), span)
    }

    /// Sets `key` to `value` (a later call for the same key replaces it).
    pub fn label(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (key, value) = (key.as_ref(), value.as_ref());
        let existing = self.rows.iter().position(|r| self.get((r[0], r[1])) == key);
        let (vs, vl) = self.push(value);
        match existing {
            Some(i) => (self.rows[i][2], self.rows[i][3]) = (vs, vl),
            None => {
                let (ks, kl) = self.push(key);
                self.rows.push([ks, kl, vs, vl]);
            }
        }
        self
    }

    /// Sets the `blame` label.
    pub fn blame(self, blame: Blame) -> Self {
        self.label("blame", blame.as_str())
    }

    /// Sets the `category` label.
    pub fn category(self, category: impl AsRef<str>) -> Self {
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
        self.rows.is_empty()
    }

    /// The labels set so far, in the order first set.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.rows
            .iter()
            .map(|r| (self.get((r[0], r[1])), self.get((r[2], r[3]))))
    }

    /// The value set for `key`.
    pub fn get_label(&self, key: &str) -> Option<&str> {
        self.labels().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// True when the chain stops after this filter.
    pub fn stops(&self) -> bool {
        self.stop
    }

    /// The explanation, "" for none.
    pub fn reason_text(&self) -> &str {
        &self.reason
    }

    /// The finished answer (layout in `faultline_abi::verdict`).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn into_words(mut self) -> Vec<u32> {
        let reason = std::mem::take(&mut self.reason);
        let (rs, rl) = self.push(&reason);
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(self.used.div_ceil(4).max(v::HEADER), 0);
        let rows_at = buf.len();
        buf.extend(self.rows.iter().flatten());
        buf[v::FLAGS] = if self.stop { v::STOP } else { 0 };
        buf[v::LABELS] = abi::to_u32(self.rows.len());
        buf[v::REASON] = rs;
        buf[v::REASON + 1] = rl;
        buf[v::ROWS] = abi::to_u32(rows_at);
        buf
    }

    /// Hands the buffers of an answer the host has read to the next verdict.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn recycle(buf: Vec<u32>) {
        SPARE.with(|s| {
            let (_, rows) = s.take();
            s.set((buf, rows));
        });
    }
}

impl Drop for Verdict {
    fn drop(&mut self) {
        // Keep the row buffer for the next verdict (the text buffer is kept
        // by `recycle` once the host has read it).
        let rows = std::mem::take(&mut self.rows);
        if rows.capacity() > 0 {
            SPARE.with(|s| {
                let (buf, _) = s.take();
                s.set((buf, rows));
            });
        }
    }
}

fn bytes_mut(words: &mut [u32]) -> &mut [u8] {
    // SAFETY: the words are initialized; u8 has no invalid bit patterns.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 4) }
}

impl PartialEq for Verdict {
    fn eq(&self, other: &Self) -> bool {
        self.stop == other.stop && self.reason == other.reason && self.labels().eq(other.labels())
    }
}

impl Eq for Verdict {}

impl std::fmt::Debug for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verdict")
            .field("labels", &self.labels().collect::<Vec<_>>())
            .field("stop", &self.stop)
            .field("reason", &self.reason)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_replace_and_lay_out() {
        let v = Verdict::new()
            .label("blame", "user")
            .category("oom")
            .label("blame", "system")
            .reason("why")
            .stop();
        assert_eq!(
            v.labels().collect::<Vec<_>>(),
            [("blame", "system"), ("category", "oom")]
        );
        assert_eq!(v, v.clone());
        assert_ne!(v, Verdict::new());
        let out = v.into_words();
        assert_eq!(out[v::FLAGS], v::STOP);
        assert_eq!(out[v::LABELS], 2);
        let bytes = abi::bytes(&out);
        let at = out[v::ROWS] as usize + 4;
        let row = abi::Row(&out[at..at + 4]);
        assert_eq!(abi::text(bytes, row.span(0)), "category");
        assert_eq!(abi::text(bytes, row.span(2)), "oom");
        assert_eq!(abi::text(bytes, (out[2], out[3])), "why");
        Verdict::recycle(out);
        assert!(Verdict::new().is_empty());
    }
}
