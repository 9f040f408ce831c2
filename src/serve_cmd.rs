//! `faultline serve`: watch Flink clusters, classify their failures, account their jobs'
//! time, and answer the REST API.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use faultline_collector::ClusterConfig;
use faultline_ledger::log::StoreConfig;
use faultline_server::ServeConfig;

use crate::ChainArg;
use crate::data::{DataArg, parse_duration};

#[derive(clap::Args)]
pub struct Args {
    /// A Flink cluster's REST URL, optionally named: `http://jm:8081` or `prod=http://jm:8081` (repeatable).
    #[arg(
        long = "flink",
        value_name = "[NAME=]URL",
        default_value = "http://localhost:8081"
    )]
    flink: Vec<String>,
    /// Address of the REST API.
    #[arg(long, default_value = "127.0.0.1:7433")]
    listen: SocketAddr,
    /// Time between polls of each cluster.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    poll_interval: i64,
    #[command(flatten)]
    chain: ChainArg,
    #[command(flatten)]
    data: DataArg,
}

/// `prod=http://jm:8081` → ("prod", url); a bare URL is named by its host and port;
/// `host:port` without a scheme means `http://host:port`.
fn cluster(spec: &str) -> anyhow::Result<(String, String)> {
    let (name, url) = match spec.split_once('=') {
        Some((n, u)) if !n.contains("://") => (n.trim().to_owned(), u.trim().to_owned()),
        _ => {
            let rest = spec.split_once("://").map_or(spec, |(_, r)| r);
            let host = rest.split('/').next().unwrap_or(rest);
            (host.to_owned(), spec.trim().to_owned())
        }
    };
    let url = if url.contains("://") {
        url
    } else {
        format!("http://{url}")
    };
    if name.is_empty() || name.contains('/') {
        anyhow::bail!("bad cluster name in `{spec}`: it must be non-empty and have no `/`");
    }
    Ok((name, url))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let interval = Duration::from_millis(args.poll_interval.max(100) as u64);
    let mut clusters = Vec::new();
    for spec in &args.flink {
        let (name, url) = cluster(spec)?;
        if clusters.iter().any(|c: &ClusterConfig| c.name == name) {
            anyhow::bail!("two clusters are named `{name}`; name them: --flink NAME=URL");
        }
        let mut c = ClusterConfig::new(&name, &url);
        c.poll_interval = interval;
        clusters.push(c);
    }
    let chain = args.chain.live()?;
    let data_dir = args.data.dir();
    let config = ServeConfig {
        clusters,
        listen: args.listen,
        data_dir: data_dir.clone(),
        store: StoreConfig::default(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("cannot start the async runtime")?;
    runtime
        .block_on(faultline_server::serve(
            config,
            chain,
            shutdown_signal(),
            |addr| {
                eprintln!(
                    "faultline: serving http://{addr}/api/v1/jobs (data in {})",
                    data_dir.display()
                );
            },
        ))
        .context("faultline serve")?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
