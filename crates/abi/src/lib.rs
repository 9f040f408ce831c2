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

/// A packed table: `words` read as rows of `stride` words. A short last row is ignored.
#[derive(Clone, Copy, Debug)]
pub struct Table<'a> {
    words: &'a [u32],
    stride: usize,
}

impl<'a> Table<'a> {
    /// Views `words` as rows of `stride` words.
    pub fn new(words: &'a [u32], stride: usize) -> Self {
        Table { words, stride: stride.max(1) }
    }

    /// Number of whole rows.
    pub fn len(&self) -> usize {
        self.words.len() / self.stride
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`, when it exists.
    pub fn row(&self, i: usize) -> Option<Row<'a>> {
        let start = i.checked_mul(self.stride)?;
        self.words.get(start..start.checked_add(self.stride)?).map(Row)
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
    strings.get(start..start.saturating_add(len as usize)).unwrap_or("")
}
