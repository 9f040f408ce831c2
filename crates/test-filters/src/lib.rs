//! Paths of real WebAssembly filters built from `tests/filters` for tests:
//! `LOOP` never returns, `HOG` allocates without bound, `TRAP` panics,
//! `FLOOD` answers with 10 MB of labels; `FIXED`, `ECHO` and `RULE` behave.

include!(concat!(env!("OUT_DIR"), "/filters.rs"));
