//! The HTTP client.

use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::error::{Error, chain};
use crate::model::{
    ClusterOverview, DashboardConfig, JobDetails, JobExceptions, JobId, JobsOverview,
    SubtaskDetails, SubtaskTimes, TaskManagers, VertexDetails, VertexId,
};

/// Default whole-request timeout: a poll every second must not pile up behind a hung JobManager.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default cap on a response body; exception histories of deep traces run to a few MB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// How many bytes of an error body go into [`Error::Status`].
const SNIPPET_BYTES: usize = 300;

/// Settings for a [`FlinkRestClient`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    connect_timeout: Option<Duration>,
    max_body_bytes: usize,
}

impl ClientBuilder {
    /// Sets the whole-request timeout (connect, headers and body); default [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets a separate, shorter connect timeout; by default only the request timeout applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sets the largest accepted response body; default [`DEFAULT_MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<FlinkRestClient, Error> {
        let invalid = |message: String| Error::InvalidUrl {
            url: self.base_url.clone(),
            message,
        };
        let base = Url::parse(&self.base_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid(format!("scheme {} is not http(s)", base.scheme())));
        }
        if base.cannot_be_a_base() {
            return Err(invalid("cannot be a base URL".into()));
        }
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("faultline-flink-rest/", env!("CARGO_PKG_VERSION")))
            // A JobManager's REST API is reached directly; a system proxy would only hide it.
            .no_proxy();
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        let http = http
            .build()
            .map_err(|e| Error::Client { message: chain(&e) })?;
        Ok(FlinkRestClient {
            http,
            base,
            timeout: self.timeout,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

/// A typed client for one Flink cluster's REST API (a JobManager's `rest.port`).
///
/// Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct FlinkRestClient {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    max_body_bytes: usize,
}

impl FlinkRestClient {
    /// A client for `base_url` (e.g. `http://127.0.0.1:8081`) with default settings.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// Starts configuring a client for `base_url`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// The base URL requests are made against.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// The whole-request timeout in force.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `GET /config`.
    pub async fn config(&self) -> Result<DashboardConfig, Error> {
        self.get_json(&["config"], &[]).await
    }

    /// `GET /overview`.
    pub async fn overview(&self) -> Result<ClusterOverview, Error> {
        self.get_json(&["overview"], &[]).await
    }

    /// `GET /jobs/overview`.
    pub async fn jobs_overview(&self) -> Result<JobsOverview, Error> {
        self.get_json(&["jobs", "overview"], &[]).await
    }

    /// `GET /jobs/{id}`.
    pub async fn job(&self, job: &JobId) -> Result<JobDetails, Error> {
        self.get_json(&["jobs", job.as_str()], &[]).await
    }

    /// `GET /jobs/{id}/vertices/{vid}`.
    pub async fn vertex(&self, job: &JobId, vertex: &VertexId) -> Result<VertexDetails, Error> {
        self.get_json(&["jobs", job.as_str(), "vertices", vertex.as_str()], &[])
            .await
    }

    /// `GET /jobs/{id}/vertices/{vid}/subtasktimes`.
    pub async fn subtask_times(
        &self,
        job: &JobId,
        vertex: &VertexId,
    ) -> Result<SubtaskTimes, Error> {
        self.get_json(
            &[
                "jobs",
                job.as_str(),
                "vertices",
                vertex.as_str(),
                "subtasktimes",
            ],
            &[],
        )
        .await
    }

    /// `GET /jobs/{id}/vertices/{vid}/subtasks/{index}/attempts/{attempt}`: one attempt, current
    /// or past (Flink keeps `jobmanager.execution.attempts-history-size` past attempts, 16 by
    /// default), with its own `status-duration`; an unknown attempt is a 404 [`Error::Status`].
    pub async fn subtask_attempt(
        &self,
        job: &JobId,
        vertex: &VertexId,
        subtask: u32,
        attempt: u32,
    ) -> Result<SubtaskDetails, Error> {
        let (subtask, attempt) = (subtask.to_string(), attempt.to_string());
        self.get_json(
            &[
                "jobs",
                job.as_str(),
                "vertices",
                vertex.as_str(),
                "subtasks",
                &subtask,
                "attempts",
                &attempt,
            ],
            &[],
        )
        .await
    }

    /// `GET /jobs/{id}/exceptions`, with `maxExceptions` when given (Flink's default is 20).
    pub async fn exceptions(
        &self,
        job: &JobId,
        max_exceptions: Option<u32>,
    ) -> Result<JobExceptions, Error> {
        let max = max_exceptions.map(|n| n.to_string());
        let query: Vec<(&str, &str)> = max
            .as_deref()
            .map(|n| vec![("maxExceptions", n)])
            .unwrap_or_default();
        self.get_json(&["jobs", job.as_str(), "exceptions"], &query)
            .await
    }

    /// `GET /taskmanagers`.
    pub async fn task_managers(&self) -> Result<TaskManagers, Error> {
        self.get_json(&["taskmanagers"], &[]).await
    }

    /// `GET` any path below the base URL and return the raw JSON, for endpoints without a model.
    pub async fn get_value(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<serde_json::Value, Error> {
        self.get_json(segments, query).await
    }

    /// Builds the URL from path segments, percent-encoding each so that an id
    /// taken from a response cannot change the path.
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, Error> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| Error::InvalidUrl {
                url: self.base.to_string(),
                message: "cannot be a base URL".into(),
            })?;
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        let url = self.url(segments, query)?;
        let endpoint = endpoint_name(&url, &self.base);
        let body = self.get_bytes(&url).await?;
        serde_json::from_slice(&body).map_err(|e| Error::Json {
            endpoint,
            message: e.to_string(),
        })
    }

    async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, Error> {
        tracing::trace!(%url, "GET");
        let mut response = self
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e))?;
        let status = response.status();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.max_body_bytes {
                        return Err(Error::TooLarge {
                            url: url.to_string(),
                            limit: self.max_body_bytes,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(self.transport_error(url, &e)),
            }
        }
        if !status.is_success() {
            let snippet = snippet(&body);
            tracing::debug!(%url, status = status.as_u16(), %snippet, "Flink REST error status");
            return Err(Error::Status {
                url: url.to_string(),
                status: status.as_u16(),
                snippet,
            });
        }
        Ok(body)
    }

    fn transport_error(&self, url: &Url, e: &reqwest::Error) -> Error {
        let url = url.to_string();
        // reqwest's own text repeats the URL the error already names: its causes say it all.
        let message = || std::error::Error::source(e).map_or_else(|| chain(e), chain);
        if e.is_timeout() {
            Error::Timeout {
                url,
                timeout: self.timeout,
            }
        } else if e.is_connect() {
            Error::Unreachable {
                url,
                message: message(),
            }
        } else {
            Error::Disconnected {
                url,
                message: message(),
            }
        }
    }
}

/// The path and query below the base URL, for error messages.
fn endpoint_name(url: &Url, base: &Url) -> String {
    let base_path = base.path().trim_end_matches('/');
    let path = url.path().strip_prefix(base_path).unwrap_or(url.path());
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

/// The first line of Flink's `{"errors": [...]}` when the body is that, else the first bytes.
fn snippet(body: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(serde_json::Value::Array(errors)) = map.get("errors")
    {
        let first: Vec<&str> = errors
            .iter()
            .filter_map(|e| e.as_str())
            .filter_map(|e| e.lines().next())
            .collect();
        if !first.is_empty() {
            return truncate(&first.join(" | "), SNIPPET_BYTES);
        }
    }
    truncate(&String::from_utf8_lossy(body), SNIPPET_BYTES)
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_encode_segments_and_keep_base_path() {
        let c = FlinkRestClient::new("http://127.0.0.1:8081/proxy/flink/").unwrap();
        let url = c
            .url(&["jobs", "a/b?c", "exceptions"], &[("maxExceptions", "5")])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:8081/proxy/flink/jobs/a%2Fb%3Fc/exceptions?maxExceptions=5"
        );
        assert_eq!(
            endpoint_name(&url, &c.base),
            "/jobs/a%2Fb%3Fc/exceptions?maxExceptions=5"
        );
        let c = FlinkRestClient::new("http://127.0.0.1:8081").unwrap();
        assert_eq!(
            c.url(&["overview"], &[]).unwrap().as_str(),
            "http://127.0.0.1:8081/overview"
        );
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        for bad in ["", "not a url", "ftp://x/", "mailto:a@b"] {
            assert!(
                matches!(FlinkRestClient::new(bad), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn snippet_prefers_flink_error_first_line() {
        let body = br#"{"errors":["org.apache.flink.runtime.rest.NotFoundException: Job x not found\n\tat a.b(C.java:1)"]}"#;
        assert_eq!(
            snippet(body),
            "org.apache.flink.runtime.rest.NotFoundException: Job x not found"
        );
        assert_eq!(snippet(b"plain text"), "plain text");
        let long = "é".repeat(400);
        assert!(snippet(long.as_bytes()).len() <= SNIPPET_BYTES + "…".len());
    }
}
