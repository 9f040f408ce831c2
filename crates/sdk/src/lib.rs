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
//! The views ([`Failure`], [`Throwable`], [`Frame`], [`Stuck`]) borrow the
//! input's single string blob: reading a class name or message allocates
//! nothing.

// Lets the generated code name this crate the same way from inside and outside.
extern crate self as faultline_sdk;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "classifier",
        pub_export_macro: true,
        export_macro_name: "__export_classifier",
        default_bindings_module: "faultline_sdk::bindings",
        runtime_path: "faultline_sdk::__private::wit_bindgen::rt",
    });
}

mod verdict;
mod view;

pub use bindings::faultline::classifier::types as wit;
pub use faultline_model::Blame;
pub use verdict::Verdict;
pub use view::{Context, Failure, Frame, Stuck, Thread, Throwable};
pub use wit::{FailureType, Origin, Progress, Relation, ThreadState};

/// The packed-table layout, for filters that read rows directly.
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
        #[doc(hidden)]
        pub struct __FaultlineExport;

        impl $crate::bindings::Guest for __FaultlineExport {
            fn init(config: ::std::string::String) -> ::std::result::Result<(), ::std::string::String> {
                $crate::__private::init::<$ty>(&config)
            }
            fn classify(record: $crate::wit::FailureRecord) -> $crate::wit::Verdict {
                $crate::__private::classify::<$ty>(&record)
            }
            fn classify_stuck(sample: $crate::wit::StuckSample) -> $crate::wit::Verdict {
                $crate::__private::classify_stuck::<$ty>(&sample)
            }
        }

        $crate::bindings::__export_classifier!(__FaultlineExport with_types_in $crate::bindings);
    };
}

#[doc(hidden)]
pub mod __private {
    use std::any::Any;
    use std::cell::RefCell;

    pub use wit_bindgen;

    use crate::{Failure, Filter, Stuck, wit};

    thread_local! {
        // A component instance is single-threaded: one filter value per instance.
        static INSTANCE: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    }

    pub fn init<F: Filter>(config: &str) -> Result<(), String> {
        let config: F::Config =
            serde_json::from_str(config).map_err(|e| format!("invalid config: {e}"))?;
        let filter = F::new(config)?;
        INSTANCE.with(|i| *i.borrow_mut() = Some(Box::new(filter)));
        Ok(())
    }

    fn with<F: Filter>(run: impl FnOnce(&F) -> crate::Verdict) -> wit::Verdict {
        INSTANCE.with(|i| {
            let guard = i.borrow();
            match guard.as_ref().and_then(|f| f.downcast_ref::<F>()) {
                Some(filter) => run(filter).into_wit(),
                None => panic!("faultline filter called before init"),
            }
        })
    }

    pub fn classify<F: Filter>(record: &wit::FailureRecord) -> wit::Verdict {
        with::<F>(|f| f.classify(&Failure::new(record)))
    }

    pub fn classify_stuck<F: Filter>(sample: &wit::StuckSample) -> wit::Verdict {
        with::<F>(|f| f.classify_stuck(&Stuck::new(sample)))
    }
}
