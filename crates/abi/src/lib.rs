//! The packed tables of the `faultline:classifier` contract (see
//! `wit/classifier.wit`): row strides and word offsets, shared by the host
//! that writes them and the guest SDK that reads them, so the two can never
//! disagree. No dependencies: it builds for any target.

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

/// Splits `tables` (a header of row counts, then the tables in order) into
/// one [`Table`] per stride. A header or table cut short yields shorter or
/// empty tables, never a panic.
pub fn split<'a, const N: usize>(tables: &'a [u32], strides: [usize; N]) -> [Table<'a>; N] {
    let (header, mut rest) = tables.split_at(N.min(tables.len()));
    std::array::from_fn(|i| {
        let rows = header.get(i).copied().unwrap_or(0) as usize;
        let take = rows.saturating_mul(strides[i]).min(rest.len());
        let (mine, after) = rest.split_at(take);
        rest = after;
        Table::new(mine, strides[i])
    })
}

/// Strides of a failure record's tables: throwables, frames, labels.
pub const FAILURE_TABLES: [usize; 3] = [throwable::STRIDE, frame::STRIDE, label::STRIDE];

/// Strides of a stuck sample's tables: threads, frames, locks, labels.
pub const STUCK_TABLES: [usize; 4] = [thread::STRIDE, frame::STRIDE, lock::STRIDE, label::STRIDE];

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

    /// Word `i` as an optional row index.
    pub fn index(&self, i: usize) -> Option<u32> {
        Some(self.word(i)).filter(|&w| w != NONE)
    }
}

/// Resolves a span of `strings`; a span out of range or inside a character reads as "".
pub fn text(strings: &str, (start, len): (u32, u32)) -> &str {
    let start = start as usize;
    strings
        .get(start..start.saturating_add(len as usize))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_reads_header_and_survives_short_input() {
        let words = [2, 1, 0, 10, 11, 20, 21, 30, 31];
        let [a, b, c] = split(&words, [2, 2, 4]);
        assert_eq!((a.len(), b.len(), c.len()), (2, 1, 0));
        assert_eq!(a.row(1).unwrap().word(1), 21);
        assert_eq!(b.row(0).unwrap().span(0), (30, 31));
        let [a, b] = split(&[9, 9, 1, 2, 3], [2, 2]);
        assert_eq!((a.len(), b.len()), (1, 0));
        let [a] = split(&[], [3]);
        assert!(a.is_empty() && a.row(0).is_none());
        assert_eq!(a.range(5, 5).len(), 0);
    }

    #[test]
    fn text_never_panics() {
        assert_eq!(text("héllo", (0, 1)), "h");
        assert_eq!(text("héllo", (2, 1)), "");
        assert_eq!(text("héllo", (u32::MAX, u32::MAX)), "");
    }
}
