//! Write a Faultline classifier filter in Rust.
//!
//! A filter implements [`Filter`] and exports itself with [`filter!`]; it is
//! built with `cargo build --release --target wasm32-wasip2` into a
//! WebAssembly component that Faultline's engine loads from a chain manifest.
//!
//! ```ignore
//! use faultline_sdk::{Blame, Failure, Filter, NoConfig, Origin, Verdict};
//!
//! struct UserRootCause;
//!
//! impl Filter for UserRootCause {
//!     type Config = NoConfig;
//!     fn new(_: NoConfig) -> Result<Self, String> { Ok(UserRootCause) }
//!     fn classify(&self, failure: &Failure) -> Verdict {
//!         match failure.root_cause().and_then(|t| t.frames().next()) {
//!             Some(f) if f.origin() == Origin::User => Verdict::new().blame(Blame::User).category("udf-exception"),
//!             _ => Verdict::new(),
//!         }
//!     }
//! }
//! faultline_sdk::filter!(UserRootCause);
//! ```
//!
//! The views ([`Failure`], [`Throwable`], [`Frame`], [`Stuck`]) read the
//! input buffer in place: reading a class name or message allocates
//! nothing, and neither does receiving the input (the SDK's allocator hands
//! the host a reused region for it) or answering (the verdict is written
//! into a reused buffer).

// Lets the generated code name this crate the same way from inside and outside.
extern crate self as faultline_sdk;

/// The WIT world, for the component's type information (a custom section
/// describing the whole world, exports included). The exports themselves are
/// written by [`filter!`] (see `exports.rs`), which reads and writes the
/// buffers in place instead of through generated types.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "classifier",
        runtime_path: "faultline_sdk::__private::wit_bindgen::rt",
    });
}

mod kinds;
mod verdict;
mod view;

pub use faultline_model::Blame;
pub use kinds::{FailureType, Origin, Progress, Relation, ThreadState};
pub use verdict::Verdict;
pub use view::{Context, Failure, Frame, Stuck, Thread, Throwable};

/// The buffer layout, for filters that read rows directly.
pub use faultline_abi as abi;

/// A classifier filter.
pub trait Filter: Sized + 'static {
    /// The filter's `config` table from the chain manifest.
    type Config: serde::de::DeserializeOwned;

    /// Builds the filter once per instance; an error refuses the filter at load time.
    fn new(config: Self::Config) -> Result<Self, String>;

    /// Labels a failure.
    fn classify(&self, failure: &Failure<'_>) -> Verdict;

    /// Labels a stuck task; no opinion by default.
    fn classify_stuck(&self, _sample: &Stuck<'_>) -> Verdict {
        Verdict::new()
    }
}

/// The configuration of a filter that takes none (any table is accepted).
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
pub struct NoConfig {}

/// Exports a [`Filter`] type as the component's `classifier` world.
#[macro_export]
macro_rules! filter {
    ($ty:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            #[unsafe(export_name = "init")]
            unsafe extern "C" fn __faultline_init(ptr: *mut u8, len: usize) -> *mut u8 {
                unsafe { $crate::__private::export_init::<$ty>(ptr, len) }
            }

            #[unsafe(export_name = "classify")]
            unsafe extern "C" fn __faultline_classify(ptr: *mut u32, len: usize) -> *mut u8 {
                unsafe { $crate::__private::export_classify::<$ty>(ptr, len) }
            }

            #[unsafe(export_name = "classify-stuck")]
            unsafe extern "C" fn __faultline_classify_stuck(ptr: *mut u32, len: usize) -> *mut u8 {
                unsafe { $crate::__private::export_classify_stuck::<$ty>(ptr, len) }
            }

            // Keeps the world's type information (a custom section) in the module.
            #[used]
            static __FAULTLINE_WORLD: fn() =
                $crate::bindings::__link_custom_section_describing_imports;
        };
    };
}

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    #[cfg(target_arch = "wasm32")]
    pub use crate::exports::{export_classify, export_classify_stuck, export_init};
}

#[cfg(target_arch = "wasm32")]
mod exports;
