//! Shared by the end-to-end tests: `faultline serve` as a child process and its API.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faultline_flink_harness::JobId;
use serde_json::Value;

/// `faultline serve` as a child process, stopped with SIGTERM on drop.
pub struct Serve {
    child: Child,
    /// Where its API listens.
    pub addr: SocketAddr,
}

impl Serve {
    /// Starts `faultline serve --flink test=FLINK --data DATA` on a free port, with
    /// `extra` arguments, and waits until it announces its address.
    pub fn start(flink: &str, data: &Path, extra: &[&OsStr]) -> Serve {
        let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-cache");
        let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["serve", "--flink", &format!("test={flink}")])
            .args([
                "--listen",
                "127.0.0.1:0",
                "--poll-interval",
                "500ms",
                "--data",
            ])
            .arg(data)
            .args(extra)
            .env("FAULTLINE_CACHE_DIR", cache)
            .env(
                "FAULTLINE_LOG",
                std::env::var("FAULTLINE_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stderr(Stdio::piped())
            .spawn()
            .expect("start faultline serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("faultline: serving http://")
                    && let Some(addr) = rest
                        .split('/')
                        .next()
                        .and_then(|a| a.parse::<SocketAddr>().ok())
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr);
                }
                eprintln!("[serve] {line}");
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("faultline serve announces its address");
        Serve { child, addr }
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.request("GET", path, b"")
    }

    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.addr,
            body.len()
        )
        .expect("send");
        // The server may answer (413) before it reads all of a body it refuses.
        let _ = s.write_all(body);
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read");
        let (head, body) = resp.split_once("\r\n\r\n").expect("http response");
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status");
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    pub fn ledger(&self, job: &JobId) -> Value {
        let (status, v) = self.get(&format!("/api/v1/jobs/{}/ledger", job.as_str()));
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Polls the API until `pred` holds for the job's ledger.
    pub fn wait_ledger(&self, job: &JobId, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, v) = self.get(&format!("/api/v1/jobs/{}/ledger", job.as_str()));
            if status == 200 && pred(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {v:#}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "faultline serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
