//! The harness's error type.

use std::io;
use std::time::Duration;

/// Anything that can go wrong setting up Flink, running it or talking to it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or process operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing.
        context: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// An external command (pip, javac, jar, java) exited unsuccessfully.
    #[error("{what} failed ({status}):\n{output}")]
    Command {
        /// The command.
        what: String,
        /// Its exit status.
        status: String,
        /// The tail of its output.
        output: String,
    },
    /// Flink's REST API answered with an error status.
    #[error("{method} {path}: HTTP {status}: {body}")]
    Http {
        /// The HTTP method.
        method: String,
        /// The path requested.
        path: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// Flink's REST API answered something the harness cannot use.
    #[error("{context}: unexpected response: {message}")]
    Response {
        /// The request.
        context: String,
        /// What was wrong.
        message: String,
    },
    /// A wait ran out of time.
    #[error(
        "timed out after {waited:?} waiting for {what} (FAULTLINE_FLINK_KEEP=1 keeps all logs)\n--- JobManager log ---\n{log_tail}"
    )]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long the harness waited.
        waited: Duration,
        /// The last lines of the JobManager's log.
        log_tail: String,
    },
    /// A JVM the harness started exited on its own.
    #[error("{name} exited unexpectedly ({status})\n--- its log ---\n{log_tail}")]
    ProcessDied {
        /// Which JVM (`jobmanager`, `taskmanager-1`, ...).
        name: String,
        /// Its exit status.
        status: String,
        /// The last lines of its log.
        log_tail: String,
    },
    /// A job reached a terminal status other than the one awaited.
    #[error("job {job} is {status} while waiting for {wanted}; last failure: {failure}")]
    JobEnded {
        /// The job id.
        job: String,
        /// The terminal status it reached.
        status: String,
        /// The status that was awaited.
        wanted: String,
        /// The first line of its newest exception, if any.
        failure: String,
    },
    /// A TaskManager index that the harness never started.
    #[error("no TaskManager #{0} was started by this cluster")]
    NoSuchTaskManager(usize),
    /// Anything else in setting up Flink (missing files, bad wheel, ...).
    #[error("{0}")]
    Setup(String),
}

/// Shorthand for `Result<T, harness Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds a context to io errors.
pub(crate) trait IoContext<T> {
    /// Wraps an io error with `context`.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Io {
            context: context(),
            source,
        })
    }
}
