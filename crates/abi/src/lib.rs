//! The data layout of the `faultline:classifier` contract (see
//! `wit/classifier.wit`), shared by the host that writes inputs and reads
//! verdicts and the guest SDK that reads inputs and writes verdicts, so the
//! two can never disagree. No dependencies: it builds for any target.
//!
//! An *input* (a failure record or a stuck sample) is one `list<u32>`:
//! a directory of tables, the tables, and all text, in one buffer. Words are
//! little-endian; text is UTF-8 read from the buffer's bytes.
//!
//! - words `0 .. 3·T`: the directory, for each of the `T` tables of that
//!   kind of input ([`FAILURE_TABLES`], [`STUCK_TABLES`]): the word offset
//!   of its first row, its number of rows and its stride (words per row).
//! - anywhere after the directory: the tables' rows and the text they refer to.
//!
//! A *span* is two words, `start, len`: a byte range of the buffer. Every
//! span the host writes covers UTF-8 text that begins and ends on character
//! boundaries; an absent text is the empty span `0, 0`. An absent row index
//! is [`NONE`]. A reader takes the stride from the directory, never from
//! the constants here: rows may grow new trailing words in a later minor
//! version, and a word beyond a row's stride reads as 0.
//!
//! A *verdict* is one `list<u32>` as well, see [`verdict`].

#![cfg_attr(not(test), no_std)]

extern crate alloc;

use alloc::vec::Vec;

/// The word of an absent row index.
pub const NONE: u32 = u32::MAX;

/// Frame rows.
pub mod frame {
    pub const STRIDE: usize = 8;
    pub const CLASS: usize = 0;
    pub const METHOD: usize = 2;
    pub const FILE: usize = 4;
    pub const LINE: usize = 6;
    pub const ORIGIN: usize = 7;
    /// `LINE` when the line is unknown.
    pub const LINE_UNKNOWN: i32 = -1;
    /// `LINE` of a native method.
    pub const LINE_NATIVE: i32 = -2;
}

/// Throwable rows.
pub mod throwable {
    pub const STRIDE: usize = 10;
    pub const CLASS: usize = 0;
    pub const MESSAGE: usize = 2;
    pub const FLAGS: usize = 4;
    pub const FRAMES_START: usize = 5;
    pub const FRAMES_LEN: usize = 6;
    pub const OMITTED: usize = 7;
    pub const PARENT: usize = 8;
    pub const RELATION: usize = 9;
    /// `FLAGS` bit: `getMessage()` was not null.
    pub const HAS_MESSAGE: u32 = 1;
    /// `FLAGS` bit: `[CIRCULAR REFERENCE: ...]`.
    pub const CIRCULAR: u32 = 2;
}

/// Label rows.
pub mod label {
    pub const STRIDE: usize = 4;
    pub const KEY: usize = 0;
    pub const VALUE: usize = 2;
}

/// The one row of the context table: where and when. Absent numbers are -1 (as s32).
pub mod context {
    pub const STRIDE: usize = 16;
    pub const JOB_ID: usize = 0;
    pub const JOB_NAME: usize = 2;
    pub const TASK_NAME: usize = 4;
    pub const SUBTASK_INDEX: usize = 6;
    pub const ATTEMPT_NUMBER: usize = 7;
    /// Ordinal of `failure-type`.
    pub const FAILURE_TYPE: usize = 8;
    pub const TASK_MANAGER_ID: usize = 9;
    pub const TASK_MANAGER_HOST: usize = 11;
    /// Milliseconds since the Unix epoch as an s64 (low, high word); -1 when unknown.
    pub const TIMESTAMP_MS: usize = 13;
    pub const FLAGS: usize = 15;
    /// `FLAGS` bit: the record was cut to the engine's size limits.
    pub const TRUNCATED: u32 = 1;
}

/// The one row of the progress table of a stuck sample.
pub mod progress {
    pub const STRIDE: usize = 10;
    /// u64 words (low, high).
    pub const STALLED_MS: usize = 0;
    pub const RECORDS_IN: usize = 2;
    pub const RECORDS_OUT: usize = 4;
    /// f32 bits; negative when unknown.
    pub const BACKPRESSURED_RATIO: usize = 6;
    /// f32 bits; negative when unknown.
    pub const BUSY_RATIO: usize = 7;
    /// s64 words (low, high); -1 when unknown.
    pub const LAST_CHECKPOINT_AGE_MS: usize = 8;
}

/// Thread rows of a stuck sample.
pub mod thread {
    pub const STRIDE: usize = 11;
    pub const NAME: usize = 0;
    pub const ID: usize = 2;
    pub const STATE: usize = 4;
    pub const FLAGS: usize = 5;
    pub const FRAMES_START: usize = 6;
    pub const FRAMES_LEN: usize = 7;
    pub const WAITING_ON: usize = 8;
    pub const LOCK_OWNER: usize = 10;
    /// `FLAGS` bit: the task's own thread.
    pub const TASK_THREAD: u32 = 1;
}

/// Held-lock rows of a stuck sample.
pub mod lock {
    pub const STRIDE: usize = 4;
    pub const THREAD: usize = 0;
    pub const DEPTH: usize = 1;
    pub const LOCK: usize = 2;
}

/// A filter's answer, one `list<u32>`:
/// word 0 flags (bit 0: stop the chain), word 1 number of labels `n`,
/// words 2-3 the reason (span), word 4 the word offset of the label rows,
/// then anywhere after the header: `n` label rows of [`label::STRIDE`]
/// words (key span, value span) and the text. Spans are byte ranges of the
/// verdict itself.
pub mod verdict {
    pub const FLAGS: usize = 0;
    pub const LABELS: usize = 1;
    pub const REASON: usize = 2;
    pub const ROWS: usize = 4;
    /// Words of the header.
    pub const HEADER: usize = 5;
    /// `FLAGS` bit: stop the chain here.
    pub const STOP: u32 = 1;
}

/// Tables of a failure record, in directory order: context (one row),
/// throwables, frames, labels.
pub const FAILURE_TABLES: [usize; 4] = [
    context::STRIDE,
    throwable::STRIDE,
    frame::STRIDE,
    label::STRIDE,
];

/// Tables of a stuck sample, in directory order: context (one row),
/// progress (one row), threads, frames, locks, labels.
pub const STUCK_TABLES: [usize; 6] = [
    context::STRIDE,
    progress::STRIDE,
    thread::STRIDE,
    frame::STRIDE,
    lock::STRIDE,
    label::STRIDE,
];

/// Reads the directory of `input` and returns one [`Table`] per entry. An
/// entry out of range yields an empty table, never a panic.
pub fn split<const N: usize>(input: &[u32]) -> [Table<'_>; N] {
    core::array::from_fn(|i| {
        let entry = |w: usize| input.get(3 * i + w).copied().unwrap_or(0) as usize;
        let (offset, rows, stride) = (entry(0), entry(1), entry(2).max(1));
        let words = rows
            .checked_mul(stride)
            .and_then(|n| input.get(offset..offset.checked_add(n)?))
            .unwrap_or(&[]);
        Table::new(words, stride)
    })
}

/// The bytes of a buffer of words (little-endian on every supported target).
pub fn bytes(words: &[u32]) -> &[u8] {
    // SAFETY: any initialized u32 memory is valid u8 memory of four times the length.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 4) }
}

fn bytes_mut(words: &mut [u32]) -> &mut [u8] {
    // SAFETY: as in `bytes`; u8 has no invalid bit patterns.
    unsafe { core::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 4) }
}

/// Resolves a span of `bytes` written by the host. A span out of range or
/// not on character boundaries reads as "".
///
/// The host guarantees that spans cover UTF-8 text; like wit-bindgen's
/// lifting of a `string`, this trusts it in release builds (the guest is the
/// sandboxed side: a broken host could only confuse the filter) and checks
/// it in debug builds.
pub fn text(bytes: &[u8], (start, len): (u32, u32)) -> &str {
    let start = start as usize;
    let Some(s) = bytes.get(start..start.saturating_add(len as usize)) else {
        return "";
    };
    let boundary = |b: Option<&u8>| b.is_none_or(|&b| (b as i8) >= -0x40);
    let on_boundaries = boundary(s.first()) && boundary(bytes.get(start + s.len()));
    if !s.is_empty() && !on_boundaries {
        return "";
    }
    if cfg!(debug_assertions) {
        return core::str::from_utf8(s).unwrap_or("");
    }
    // SAFETY: the host writes only UTF-8 text under spans (see above).
    unsafe { core::str::from_utf8_unchecked(s) }
}

/// Builds an input buffer: the directory, tables and text in one `Vec<u32>`.
///
/// Size it once with [`Writer::new`] (rows per table and an upper bound of
/// the text bytes), then fill rows with [`Writer::row`] / [`Writer::at`] and
/// text with [`Writer::span`]. Rows of a table may be written in any order.
pub struct Writer {
    buf: Vec<u32>,
    /// Word offset of each table's first row (at most [`Writer::MAX_TABLES`]).
    starts: [usize; Writer::MAX_TABLES],
    strides: [usize; Writer::MAX_TABLES],
    /// First word of the text area.
    text_start: usize,
    /// Next free byte of the text area.
    text_at: usize,
}

impl Writer {
    /// Tables an input may have.
    pub const MAX_TABLES: usize = 8;

    /// A zeroed buffer for tables of `(rows, stride)` and `text` bytes of text.
    pub fn new(tables: &[(usize, usize)], text: usize) -> Writer {
        assert!(tables.len() <= Writer::MAX_TABLES);
        let mut at = 3 * tables.len();
        let (mut starts, mut strides) = ([0; Writer::MAX_TABLES], [0; Writer::MAX_TABLES]);
        for (i, &(rows, stride)) in tables.iter().enumerate() {
            starts[i] = at;
            strides[i] = stride;
            at += rows * stride;
        }
        // Only the directory and tables are zeroed; text is copied in as it comes.
        let mut buf = Vec::with_capacity(at + text.div_ceil(4));
        buf.resize(at, 0);
        for (i, &(rows, stride)) in tables.iter().enumerate() {
            buf[3 * i] = to_u32(starts[i]);
            buf[3 * i + 1] = to_u32(rows);
            buf[3 * i + 2] = to_u32(stride);
        }
        Writer {
            buf,
            starts,
            strides,
            text_start: at,
            text_at: at * 4,
        }
    }

    /// The word index of row `i` of `table`, for [`Writer::set`] and [`Writer::span_at`].
    pub fn at(&self, table: usize, i: usize) -> usize {
        self.starts[table] + i * self.strides[table]
    }

    /// Row `i` of table `table`, to fill in.
    pub fn row(&mut self, table: usize, i: usize) -> &mut [u32] {
        let start = self.at(table, i);
        &mut self.buf[start..start + self.strides[table]]
    }

    /// Sets word `word` (an index from [`Writer::at`] plus an offset).
    #[inline]
    pub fn set(&mut self, word: usize, value: u32) {
        self.buf[word] = value;
    }

    /// Copies `s` into the text area and returns its span; grows the buffer
    /// when the text bound given to [`Writer::new`] was too small.
    #[inline]
    pub fn text(&mut self, s: &str) -> (u32, u32) {
        let start = self.text_at;
        let end = start + s.len();
        if end > self.buf.capacity() * 4 {
            self.grow(end);
        }
        // SAFETY: capacity covers `end` bytes (checked above); text is
        // written contiguously from the end of the tables, and `finish`
        // initializes the last word's padding before exposing the words. A
        // `&str` never overlaps the buffer we own mutably.
        unsafe {
            core::ptr::copy_nonoverlapping(
                s.as_ptr(),
                self.buf.as_mut_ptr().cast::<u8>().add(start),
                s.len(),
            );
        }
        self.text_at = end;
        (start as u32, s.len() as u32)
    }

    #[cold]
    fn grow(&mut self, end: usize) {
        // Expose the text written so far (with its padding) before reallocating.
        let words = self.text_at.div_ceil(4);
        self.seal();
        self.buf
            .reserve(end.div_ceil(4).max(2 * words) - self.buf.len());
    }

    /// Zeroes the padding of the last text word and makes the text part of the words.
    fn seal(&mut self) {
        let words = self.text_at.div_ceil(4);
        if words > self.buf.len() {
            // SAFETY: `words <= capacity`; bytes `len * 4 .. text_at` were
            // written by `text`, and the padding after them is zeroed here.
            unsafe {
                let p = self.buf.as_mut_ptr().cast::<u8>();
                for i in self.text_at..words * 4 {
                    p.add(i).write(0);
                }
                self.buf.set_len(words);
            }
        }
    }

    /// Writes `s` as a span into words `word, word + 1`.
    #[inline]
    pub fn span_at(&mut self, word: usize, s: &str) {
        let (start, len) = self.text(s);
        self.buf[word] = start;
        self.buf[word + 1] = len;
    }

    /// Writes `s` into words `at, at + 1` of row `i` of `table` as a span.
    pub fn span(&mut self, table: usize, i: usize, at: usize, s: &str) {
        let word = self.at(table, i) + at;
        self.span_at(word, s);
    }

    /// The finished buffer, cut to the text written.
    pub fn finish(mut self) -> Vec<u32> {
        self.seal();
        to_le_text(&mut self.buf[self.text_start..]);
        self.buf
    }
}

/// Appends a label table to a finished input whose directory entry `entry`
/// is the label table: rows at the end of `buf`, then their text. `buf` must
/// be cut back to its length without labels before each call.
pub fn append_labels<'a>(
    buf: &mut Vec<u32>,
    entry: usize,
    labels: impl ExactSizeIterator<Item = (&'a str, &'a str)> + Clone,
) {
    let rows_at = buf.len();
    let n = labels.len();
    let text: usize = labels.clone().map(|(k, v)| k.len() + v.len()).sum();
    let mut text_at = (rows_at + n * label::STRIDE) * 4;
    buf.resize(rows_at + n * label::STRIDE + text.div_ceil(4), 0);
    let text_start = rows_at + n * label::STRIDE;
    for (i, (k, v)) in labels.enumerate() {
        for (j, s) in [(label::KEY, k), (label::VALUE, v)] {
            bytes_mut(buf)[text_at..text_at + s.len()].copy_from_slice(s.as_bytes());
            buf[rows_at + i * label::STRIDE + j] = to_u32(text_at);
            buf[rows_at + i * label::STRIDE + j + 1] = to_u32(s.len());
            text_at += s.len();
        }
    }
    to_le_text(&mut buf[text_start..]);
    buf[3 * entry] = to_u32(rows_at);
    buf[3 * entry + 1] = to_u32(n);
    buf[3 * entry + 2] = to_u32(label::STRIDE);
}

/// Words are lowered with `to_le`; on a big-endian host, pre-swap the words
/// that hold text so its bytes arrive in order. A no-op on little-endian.
fn to_le_text(_words: &mut [u32]) {
    #[cfg(target_endian = "big")]
    for w in _words {
        *w = w.swap_bytes();
    }
}

/// Records are cut to size before encoding, so this never saturates in practice.
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A packed table: `words` read as rows of `stride` words. A short last row is ignored.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    words: &'a [u32],
    stride: usize,
}

impl<'a> Table<'a> {
    /// Views `words` as rows of `stride` words.
    pub fn new(words: &'a [u32], stride: usize) -> Self {
        Table {
            words,
            stride: stride.max(1),
        }
    }

    /// Number of whole rows.
    pub fn len(&self) -> usize {
        self.words.len() / self.stride
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row, in order.
    pub fn rows(self) -> impl DoubleEndedIterator<Item = Row<'a>> + 'a {
        self.words.chunks_exact(self.stride).map(Row)
    }

    /// Rows `start..start + len`, clamped to the table.
    pub fn range(self, start: u32, len: u32) -> Table<'a> {
        let start = (start as usize).min(self.len());
        let end = start.saturating_add(len as usize).min(self.len());
        Table::new(
            &self.words[start * self.stride..end * self.stride],
            self.stride,
        )
    }

    /// Row `i`, when it exists.
    pub fn row(&self, i: usize) -> Option<Row<'a>> {
        let start = i.checked_mul(self.stride)?;
        self.words
            .get(start..start.checked_add(self.stride)?)
            .map(Row)
    }
}

/// One row of a packed table.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a>(pub &'a [u32]);

impl Row<'_> {
    /// Word `i` (0 when out of range: rows may be older and shorter).
    pub fn word(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    /// The span starting at word `i`, as `(start, len)`.
    pub fn span(&self, i: usize) -> (u32, u32) {
        (self.word(i), self.word(i + 1))
    }

    /// Words `i, i + 1` as a 64-bit number (low word first).
    pub fn u64(&self, i: usize) -> u64 {
        u64::from(self.word(i + 1)) << 32 | u64::from(self.word(i))
    }

    /// Word `i` as an optional row index.
    pub fn index(&self, i: usize) -> Option<u32> {
        Some(self.word(i)).filter(|&w| w != NONE)
    }
}

/// Writes a 64-bit number into words `at, at + 1` of `row` (low word first).
pub fn put_u64(row: &mut [u32], at: usize, n: u64) {
    row[at] = n as u32;
    row[at + 1] = (n >> 32) as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_and_split_agree_and_split_survives_short_input() {
        let mut w = Writer::new(&[(2, 2), (1, 3), (0, 4)], 8);
        w.span(0, 1, 0, "héllo");
        w.row(1, 0)[2] = 7;
        let buf = w.finish();
        let [a, b, c] = split::<3>(&buf);
        assert_eq!((a.len(), b.len(), c.len()), (2, 1, 0));
        assert_eq!(text(bytes(&buf), a.row(1).unwrap().span(0)), "héllo");
        assert_eq!(b.row(0).unwrap().word(2), 7);
        let [a, b] = split::<2>(&[9, 9, 2, 9, 1, 1]);
        assert_eq!((a.len(), b.len()), (0, 0));
        let [a] = split::<1>(&[]);
        assert!(a.is_empty() && a.row(0).is_none());
        assert_eq!(a.range(5, 5).len(), 0);
    }

    #[test]
    fn labels_replace_the_label_table() {
        let mut buf = Writer::new(&[(1, 1), (0, label::STRIDE)], 0).finish();
        let base = buf.len();
        append_labels(&mut buf, 1, [("blame", "user"), ("k", "v")].into_iter());
        buf.truncate(base);
        append_labels(&mut buf, 1, [("category", "oom")].into_iter());
        let [_, l] = split::<2>(&buf);
        let r = l.row(0).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!(text(bytes(&buf), r.span(label::KEY)), "category");
        assert_eq!(text(bytes(&buf), r.span(label::VALUE)), "oom");
    }

    #[test]
    fn text_never_panics() {
        let b = "héllo".as_bytes();
        assert_eq!(text(b, (0, 1)), "h");
        assert_eq!(text(b, (2, 1)), "");
        assert_eq!(text(b, (1, 1)), "");
        assert_eq!(text(b, (u32::MAX, u32::MAX)), "");
    }
}
