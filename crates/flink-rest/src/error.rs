//! What can go wrong talking to a Flink REST endpoint.

use std::time::Duration;

/// An error from one request to the Flink REST API.
///
/// Messages are kept as strings (not the HTTP library's error type) so that the
/// error is `Clone`, comparable in tests, and does not tie callers to reqwest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The base URL, or a URL built from it, is not a valid http(s) URL.
    #[error("invalid Flink REST URL {url:?}: {message}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was rejected.
        message: String,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {message}")]
    Client {
        /// The underlying error, with its causes.
        message: String,
    },
    /// No connection could be made: refused, no route, DNS failure.
    #[error("Flink REST API unreachable at {url}: {message}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// The underlying error, with its causes.
        message: String,
    },
    /// The whole request (connect, send, response headers and body) took longer than allowed.
    #[error("request to {url} timed out after {timeout:?}")]
    Timeout {
        /// The URL requested.
        url: String,
        /// The configured request timeout.
        timeout: Duration,
    },
    /// The connection was made but broke before a complete response arrived
    /// (closed mid-headers, or a body shorter than its declared length).
    #[error("connection to {url} broke before the response was complete: {message}")]
    Disconnected {
        /// The URL requested.
        url: String,
        /// The underlying error, with its causes.
        message: String,
    },
    /// Flink answered with a non-success HTTP status.
    #[error("{url} answered HTTP {status}: {snippet}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The start of the body: Flink's first error line when the body is Flink's
        /// `{"errors": [...]}`, else the first bytes of the body.
        snippet: String,
    },
    /// The response body exceeded the configured limit.
    #[error("response from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The body is not the JSON document expected from this endpoint.
    #[error("malformed JSON from {endpoint}: {message}")]
    Json {
        /// The endpoint path (without the base URL), e.g. `/jobs/{id}`.
        endpoint: String,
        /// serde's message, with line and column.
        message: String,
    },
}

impl Error {
    /// True for errors where a later poll may well succeed (network trouble, timeouts, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } | Error::Timeout { .. } | Error::Disconnected { .. } => true,
            Error::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Formats an error with all its sources, because reqwest's top-level message
/// ("error sending request") hides the useful part.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
