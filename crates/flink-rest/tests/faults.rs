//! The client against a misbehaving server: a tokio TcpListener writing raw HTTP responses.
//! Every fault must come back as the right `Error` variant, never a panic.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use faultline_flink_rest::{Error, FlinkRestClient, JobId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does after reading a request.
#[derive(Clone)]
enum Reply {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Read the request and never answer (keep the socket open).
    Hang,
}

fn http(status: &str, body: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// Serves `reply` to every connection; returns the address to use.
async fn serve(reply: Reply) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            tokio::spawn(async move {
                // Read up to the end of the request headers (GETs have no body).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                match reply {
                    Reply::Raw(bytes) => {
                        let _ = sock.write_all(&bytes).await;
                        let _ = sock.shutdown().await;
                    }
                    Reply::Hang => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    addr
}

fn client(addr: SocketAddr) -> FlinkRestClient {
    FlinkRestClient::builder(&format!("http://{addr}"))
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

#[tokio::test]
async fn garbage_json_is_a_json_error_with_the_endpoint() {
    let c = client(serve(http("200 OK", "<html>not json</html>")).await);
    let err = c.overview().await.unwrap_err();
    let Error::Json { endpoint, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(endpoint, "/overview");
    assert!(message.contains("line 1 column 1"), "{message}");
    assert!(err.to_string().contains("/overview"), "{err}");

    let err = c
        .exceptions(&JobId::from("abc"), Some(3))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Json { endpoint, .. } if endpoint == "/jobs/abc/exceptions?maxExceptions=3"),
        "{err:?}"
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_json_error_naming_the_problem() {
    let c = client(serve(http("200 OK", r#"{"taskmanagers": "many"}"#)).await);
    let err = c.overview().await.unwrap_err();
    let Error::Json { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("invalid type"), "{message}");
    // An array where an object belongs, and valid JSON that is not an object at all.
    let c = client(serve(http("200 OK", r#"{"jobs": {"a": 1}}"#)).await);
    assert!(matches!(c.jobs_overview().await, Err(Error::Json { .. })));
    let c = client(serve(http("200 OK", "null")).await);
    assert!(matches!(c.task_managers().await, Err(Error::Json { .. })));
}

#[tokio::test]
async fn http_500_is_a_status_error_with_flinks_first_error_line() {
    let body = r#"{"errors":["Internal server error.","<Exception on server side:\norg.apache.flink.runtime.rest.handler.RestHandlerException: boom\n\tat x.y(Z.java:1)\n>"]}"#;
    let c = client(serve(http("500 Internal Server Error", body)).await);
    let err = c.job(&JobId::from("0123")).await.unwrap_err();
    let Error::Status {
        status,
        snippet,
        url,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 500);
    assert!(url.ends_with("/jobs/0123"), "{url}");
    assert!(snippet.starts_with("Internal server error."), "{snippet}");
    assert!(snippet.contains("<Exception on server side:"), "{snippet}");
    assert!(!snippet.contains("Z.java"), "only first lines: {snippet}");
    assert!(err.is_transient());

    let c = client(serve(http("404 Not Found", "no such thing")).await);
    let err = c.config().await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 404, snippet, .. } if snippet == "no such thing"),
        "{err:?}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn body_shorter_than_its_content_length_is_disconnected() {
    let reply = Reply::Raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"taskmanagers\":1,"
            .to_vec(),
    );
    let c = client(serve(reply).await);
    let err = c.overview().await.unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn truncated_json_with_a_matching_length_is_a_json_error() {
    let c = client(serve(http("200 OK", r#"{"taskmanagers":1,"slots-tot"#)).await);
    let err = c.overview().await.unwrap_err();
    assert!(
        matches!(&err, Error::Json { message, .. } if message.contains("EOF")),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_closed_mid_response_is_disconnected() {
    // Mid-headers.
    let c = client(serve(Reply::Raw(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec())).await);
    let err = c.overview().await.unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
    // Before any byte of a response.
    let c = client(serve(Reply::Raw(Vec::new())).await);
    let err = c.overview().await.unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
    // Chunked body cut off in a chunk.
    let c = client(
        serve(Reply::Raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"taskman".to_vec(),
        ))
        .await,
    );
    let err = c.overview().await.unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let c = client(addr);
    let err = c.overview().await.unwrap_err();
    let Error::Unreachable { url, message } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(url, &format!("http://{addr}/overview"));
    assert!(message.to_lowercase().contains("refused"), "{message}");
}

#[tokio::test]
async fn silent_server_times_out_after_the_configured_timeout() {
    let c = client(serve(Reply::Hang).await);
    let start = Instant::now();
    let err = c.overview().await.unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, Error::Timeout { timeout, .. } if timeout == Duration::from_millis(500)),
        "{err:?}"
    );
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(
        FlinkRestClient::new("http://127.0.0.1:1")
            .unwrap()
            .timeout(),
        Duration::from_secs(5)
    );
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let body = format!(r#"{{"jobs": [], "pad": "{}"}}"#, "x".repeat(10_000));
    let addr = serve(http("200 OK", &body)).await;
    let c = FlinkRestClient::builder(&format!("http://{addr}"))
        .max_body_bytes(1000)
        .build()
        .unwrap();
    let err = c.jobs_overview().await.unwrap_err();
    assert!(
        matches!(err, Error::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn missing_and_unknown_fields_are_tolerated() {
    let body = r#"{"jid":"j1","state":"RUNNING_SOMEHOW","brand-new-field":{"x":[1,2]},
        "timestamps":{"RUNNING":5,"TELEPORTING":7},
        "vertices":[{"id":"v1","status":"RUNNING","tasks":{"RUNNING":2,"NEW_STATE":1},
                     "metrics":{"accumulated-busy-time":"NaN","read-records":3}}]}"#;
    let c = client(serve(http("200 OK", body)).await);
    let job = c.job(&JobId::from("j1")).await.unwrap();
    assert_eq!(job.jid.as_str(), "j1");
    assert_eq!(
        job.state,
        Some(faultline_flink_rest::JobStatus::Other(
            "RUNNING_SOMEHOW".into()
        ))
    );
    assert_eq!(
        job.entered(&faultline_flink_rest::JobStatus::Running),
        Some(5)
    );
    assert_eq!(job.start_time, 0);
    assert!(job.name.is_empty());
    let v = &job.vertices[0];
    assert_eq!(
        v.tasks.get(&faultline_flink_rest::ExecutionState::Other(
            "NEW_STATE".into()
        )),
        Some(&1)
    );
    let m = v.metrics.as_ref().unwrap();
    assert_eq!(m.accumulated_busy_time.map(f64::is_nan), Some(true));
    assert_eq!(m.read_records, Some(3));
}
