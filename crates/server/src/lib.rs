//! `faultline serve`: one watcher per Flink cluster, the classifier chain, and the
//! ledger made durable in a data directory, behind a REST API.
//!
//! Watchers send batches of events to one ledger task, which logs each event before it
//! applies it and snapshots from time to time; API handlers read settled copies of the
//! jobs. A cluster that goes away never stops the others or the API. The chain is live:
//! its directory is watched (and SIGHUP reloads it), and a new chain is swapped in
//! between two classifications.

pub mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use faultline_collector::{Classifier, ClusterConfig, ClusterStatus, Watcher};
use faultline_ledger::log::{LogError, Store, StoreConfig};
use faultline_ledger::rollout::Rollout;
use faultline_live::LiveChain;
use faultline_stacktrace::OriginRules;
use serde::Deserialize;
use tokio::sync::{mpsc, watch};

/// The largest body `POST /api/v1/classify` takes.
pub const MAX_CLASSIFY_BODY: usize = 4 << 20;

/// How often the clock tick is logged while every open job is unobserved.
const BLIND_TICK_MS: i64 = 60_000;

/// How long the chain's files must be quiet before a change is reloaded.
const RELOAD_QUIET: Duration = Duration::from_millis(50);

use crate::views::{JobView, LedgerView};

/// What `faultline serve` runs.
pub struct ServeConfig {
    /// The clusters to watch.
    pub clusters: Vec<ClusterConfig>,
    /// Where the API listens.
    pub listen: SocketAddr,
    /// The data directory (event log and snapshots).
    pub data_dir: PathBuf,
    /// Snapshot cadence and ledger settings.
    pub store: StoreConfig,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory cannot be opened.
    #[error("cannot open the data directory")]
    Data(#[from] LogError),
    /// A cluster URL is not usable.
    #[error("cluster {name}")]
    Cluster {
        name: String,
        source: faultline_flink_rest::Error,
    },
    /// The API cannot listen.
    #[error("cannot listen on {addr}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The chain's files cannot be watched.
    #[error(transparent)]
    Watch(#[from] faultline_live::WatchError),
}

#[derive(Clone)]
struct AppState {
    store: Arc<Mutex<Store>>,
    clusters: Arc<Vec<Arc<Mutex<ClusterStatus>>>>,
    chain: Arc<LiveChain>,
    classifier: Classifier,
    rollout: Arc<Mutex<Rollout>>,
}

/// Runs until `shutdown` resolves; returns once the ledger is snapshotted. `bound` is
/// told the address actually bound (useful with port 0).
pub async fn serve(
    config: ServeConfig,
    chain: Arc<LiveChain>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let classifier = Classifier::new(chain.shared(), OriginRules::default());
    let _watching = chain.watch(RELOAD_QUIET)?;
    let reload_on_hangup = tokio::spawn(reload_on_sighup(Arc::clone(&chain)));
    let mut store = Store::open(&config.data_dir, config.store.clone())?;
    let rollout = Arc::new(Mutex::new(stored_rollout(&config.data_dir)));
    let known = resume(&mut store)?;
    let store = Arc::new(Mutex::new(store));
    let (tx, mut rx) = mpsc::channel::<Vec<faultline_ledger::Event>>(256);
    let (stop_tx, stop_rx) = watch::channel(false);

    let mut statuses = Vec::new();
    let mut watchers = Vec::new();
    for c in config.clusters {
        let name = c.name.clone();
        let w = Watcher::new(c, classifier.clone())
            .map_err(|source| ServeError::Cluster { name, source })?
            .resume(known.iter().cloned());
        statuses.push(w.status());
        watchers.push(tokio::spawn(w.run(tx.clone(), stop_rx.clone())));
    }
    drop(tx);

    let ledger_store = store.clone();
    let ledger_rollout = rollout.clone();
    let ledger_task = tokio::spawn(async move {
        // The wall clock moves the ledger too: events wait in the reorder buffer only as
        // long as its bound, even when no source sends anything (a cluster went away).
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        let mut writes = WriteHealth::default();
        let mut last_tick = 0;
        loop {
            tokio::select! {
                batch = rx.recv() => {
                    let Some(batch) = batch else { return };
                    let Ok(mut s) = ledger_store.lock() else { return };
                    if let Ok(mut r) = ledger_rollout.lock() {
                        batch.iter().for_each(|e| r.observe(e));
                    }
                    for event in batch {
                        writes.note(s.record(event), "cannot log an event; it is not applied");
                    }
                    writes.note(s.commit(), "cannot flush the event log");
                }
                _ = tick.tick() => {
                    // Logged like any event, so that a replay sees the same clock. Not
                    // while no job is open (no clock to move); while every open job is
                    // unobserved, applied every second but logged once a minute: a
                    // replay reaches the same totals at the next logged event.
                    let Ok(mut s) = ledger_store.lock() else { return };
                    use faultline_ledger::Stage;
                    let watched = s.ledger().buffered() > 0
                        || s.ledger().jobs().any(|j| !matches!(j.stage, Stage::Terminal | Stage::Unknown));
                    let blind = s.ledger().jobs().any(|j| j.stage == Stage::Unknown);
                    if !watched && !blind {
                        continue;
                    }
                    let now = faultline_collector::now_ms();
                    let tick = faultline_ledger::Event {
                        at: now,
                        job: String::new(),
                        kind: faultline_ledger::EventKind::Observed,
                    };
                    if !watched && now - last_tick < BLIND_TICK_MS {
                        s.ledger_mut().ingest(tick);
                        continue;
                    }
                    last_tick = now;
                    writes.note(s.record(tick).and_then(|()| s.commit()), "cannot log the clock tick");
                }
            }
        }
    });

    let state = AppState {
        store: store.clone(),
        clusters: Arc::new(statuses),
        chain,
        classifier,
        rollout,
    };
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.listen,
        source,
    })?;
    bound(addr);
    tracing::info!(%addr, "API listening");
    let stop = async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
    {
        tracing::error!(error = %e, "API server failed");
    }
    reload_on_hangup.abort();
    for w in watchers {
        let _ = w.await;
    }
    let _ = ledger_task.await;
    if let Ok(mut s) = store.lock() {
        s.snapshot()?;
    }
    Ok(())
}

/// Whether writing the event log works: a failure (a full disk) is logged when it
/// starts and when it ends, not on every write in between.
#[derive(Default)]
struct WriteHealth {
    failing: bool,
    failed_writes: u64,
}

impl WriteHealth {
    fn note(&mut self, result: Result<(), LogError>, what: &str) {
        match result {
            Err(e) => {
                self.failed_writes += 1;
                if !self.failing {
                    self.failing = true;
                    tracing::error!(error = %e, "{what} (said once until writing works again)");
                }
            }
            Ok(()) if self.failing => {
                self.failing = false;
                tracing::warn!(
                    failed = self.failed_writes,
                    "writing the event log works again"
                );
                self.failed_writes = 0;
            }
            Ok(()) => {}
        }
    }
}

/// Reloads the chain on every SIGHUP (the watcher does on file changes).
async fn reload_on_sighup(chain: Arc<LiveChain>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; the chain reloads on file changes only");
            return;
        };
        while hangups.recv().await.is_some() {
            let chain = Arc::clone(&chain);
            tracing::info!("SIGHUP: reloading the chain");
            // Errors are kept in the chain's status and logged by the reload itself.
            let _ = tokio::task::spawn_blocking(move || chain.reload()).await;
        }
    }
    #[cfg(not(unix))]
    let _ = chain;
}

/// The failures shadow and canary filters saw, from the whole stored log (the ledger's
/// snapshot does not keep them).
fn stored_rollout(dir: &std::path::Path) -> Rollout {
    let mut rollout = Rollout::default();
    let path = faultline_ledger::log::log_path(dir);
    if path.exists()
        && let Err(e) = faultline_ledger::log::scan_log(&path, 0, |ev| rollout.observe(&ev))
    {
        tracing::warn!(error = %e, "cannot read past failures for the rollout report");
    }
    rollout
}

/// Marks every job still live in the ledger blind from the last event before this
/// process started (Faultline itself was not watching), and returns the keys of jobs not
/// known to have ended, for the watchers to follow up.
fn resume(store: &mut Store) -> Result<Vec<String>, LogError> {
    use faultline_ledger::{Event, EventKind, Stage};
    let ledger = store.ledger();
    let Some(newest) = ledger.newest() else {
        return Ok(Vec::new());
    };
    let open: Vec<String> = ledger
        .jobs()
        .filter(|j| j.stage != Stage::Terminal)
        .map(|j| j.key.clone())
        .collect();
    for key in &open {
        store.record(Event {
            at: newest,
            job: key.clone(),
            kind: EventKind::BlindStart,
        })?;
    }
    store.commit()?;
    Ok(open)
}

/// The API's routes.
fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/jobs", get(jobs))
        .route("/api/v1/jobs/{job}/ledger", get(ledger))
        .route("/api/v1/clusters", get(clusters))
        .route("/api/v1/chain", get(chain_status))
        .route("/api/v1/rollout", get(rollout))
        .route(
            "/api/v1/classify",
            post(classify).layer(DefaultBodyLimit::max(MAX_CLASSIFY_BODY)),
        )
        .route("/api/v1/health", get(|| async { "ok" }))
        .with_state(state)
}

async fn chain_status(State(state): State<AppState>) -> Response {
    Json(state.chain.status()).into_response()
}

#[derive(Deserialize)]
struct ClassifyQuery {
    /// `cluster/job-id`: picks the job's canary treatment.
    job: Option<String>,
}

/// One failure in any form `faultline classify` reads → the classification with the
/// chain version.
async fn classify(
    State(state): State<AppState>,
    Query(q): Query<ClassifyQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the failure is larger than {} MiB", MAX_CLASSIFY_BODY >> 20),
            );
        }
        Err(e) => return error(e.status(), e.body_text()),
    };
    let classifier = state.classifier.clone();
    let job = q.job;
    let result =
        tokio::task::spawn_blocking(move || classifier.classify_input(&body, job.as_deref())).await;
    match result {
        Ok(Ok(c)) => Json(c).into_response(),
        Ok(Err(e)) => error(
            StatusCode::BAD_REQUEST,
            format!("cannot read a failure: {e}"),
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the classification failed".into(),
        ),
    }
}

#[derive(Deserialize)]
struct RolloutQuery {
    /// How far back: `7d`, `12h`, ...
    window: Option<String>,
}

async fn rollout(State(state): State<AppState>, Query(q): Query<RolloutQuery>) -> Response {
    let window = match q
        .window
        .as_deref()
        .map(faultline_ledger::sla::parse_duration)
    {
        None => 7 * 86_400_000,
        Some(Ok(ms)) => ms,
        Some(Err(e)) => return error(StatusCode::BAD_REQUEST, e),
    };
    let from = faultline_collector::now_ms().saturating_sub(window);
    let (Ok(store), Ok(rollout)) = (state.store.lock(), state.rollout.lock()) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ledger unavailable".into(),
        );
    };
    Json(rollout.report(store.ledger(), from)).into_response()
}

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn jobs(State(state): State<AppState>) -> Response {
    let Ok(store) = state.store.lock() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ledger unavailable".into(),
        );
    };
    let ledger = store.ledger();
    let rules = &ledger.config().rules;
    let mut jobs: Vec<JobView> = ledger
        .jobs()
        .map(|j| JobView::of(&j.settled(rules)))
        .collect();
    jobs.sort_by(|a, b| a.key.cmp(&b.key));
    Json(serde_json::json!({ "jobs": jobs })).into_response()
}

#[derive(Deserialize)]
struct LedgerQuery {
    cluster: Option<String>,
}

async fn ledger(
    State(state): State<AppState>,
    Path(job): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let Ok(store) = state.store.lock() else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ledger unavailable".into(),
        );
    };
    let ledger = store.ledger();
    let suffix = format!("/{job}");
    let matches: Vec<_> = ledger
        .jobs()
        .filter(|j| j.key == job || j.key.ends_with(&suffix))
        .filter(|j| {
            q.cluster
                .as_ref()
                .is_none_or(|c| j.key.starts_with(&format!("{c}/")))
        })
        .collect();
    match matches.as_slice() {
        [one] => Json(LedgerView::of(&one.settled(&ledger.config().rules))).into_response(),
        [] => error(StatusCode::NOT_FOUND, format!("no job {job}")),
        many => error(
            StatusCode::CONFLICT,
            format!("job {job} is on {} clusters; add ?cluster=NAME", many.len()),
        ),
    }
}

async fn clusters(State(state): State<AppState>) -> Response {
    let list: Vec<ClusterStatus> = state
        .clusters
        .iter()
        .filter_map(|c| c.lock().ok().map(|s| s.clone()))
        .collect();
    Json(serde_json::json!({ "clusters": list })).into_response()
}
