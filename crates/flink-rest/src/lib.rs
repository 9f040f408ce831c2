//! A typed async client for the Apache Flink REST API (checked against Flink 2.3),
//! for the standalone collector that polls clusters every second.
//!
//! ```no_run
//! # async fn f() -> Result<(), faultline_flink_rest::Error> {
//! let flink = faultline_flink_rest::FlinkRestClient::new("http://127.0.0.1:8081")?;
//! for job in flink.jobs_overview().await?.jobs {
//!     let details = flink.job(&job.jid).await?;
//!     println!("{} {:?}", details.name, details.state);
//! }
//! # Ok(()) }
//! ```
//!
//! Requests need a tokio runtime. Models tolerate missing and unknown fields;
//! see [`model`] for Flink's conventions (`-1` and `0` times).

#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod model;

pub use client::{ClientBuilder, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, FlinkRestClient};
pub use error::Error;
pub use model::*;
