use faultline_filter_kit::testing::{run, shipped, want};

use super::Dependency;

fn dep() -> Dependency {
    shipped("dependency")
}

#[test]
fn real_closed_port_is_connection_refused() {
    let trace = std::fs::read_to_string(format!(
        "{}/../../crates/stacktrace/tests/data/flink/closed-port.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("capture");
    assert_eq!(
        run(&dep(), &trace),
        want("dependency", "connection-refused")
    );
}

#[test]
fn external_systems() {
    let t = "org.apache.kafka.common.errors.TimeoutException: Timeout expired while fetching topic metadata\n";
    assert_eq!(run(&dep(), t), want("dependency", "kafka"));
    let t = "java.lang.RuntimeException: boom\nCaused by: org.apache.flink.kafka.shaded.org.apache.kafka.common.errors.NetworkException: Disconnected from node 1\n\tat org.apache.flink.kafka.shaded.org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "kafka"));
    let t = "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure\n\tat com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:836)\n\tat org.apache.flink.connector.jdbc.internal.JdbcOutputFormat.open(JdbcOutputFormat.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "jdbc"));
    let t = "java.net.UnknownHostException: db.example.com\n\tat java.net.InetAddress.getAllByName0(InetAddress.java:1281)\n\tat com.acme.Sink.invoke(Sink.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "dns"));
    let t = "java.net.SocketTimeoutException: Read timed out\n\tat java.net.SocketInputStream.socketRead0(Native Method)\n\tat com.acme.Enrich.map(Enrich.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "dependency-timeout"));
    let t = "java.io.IOException: Connection reset by peer\n\tat sun.nio.ch.FileDispatcherImpl.read0(Native Method)\n\tat com.acme.Enrich.map(Enrich.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "connection-reset"));
}

#[test]
fn object_stores_of_the_job_but_not_checkpoint_storage() {
    let t = "java.io.IOException: write failed\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: Slow Down (Service: Amazon S3; Status Code: 503)\n\tat com.amazonaws.http.AmazonHttpClient.execute(AmazonHttpClient.java:1)\n\tat org.apache.flink.connector.file.sink.FileWriter.write(FileWriter.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "object-store"));
    let t = "java.io.IOException: Could not flush and close the file system output stream to s3://bucket/ckpt/chk-12/abc\n\tat org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory$FsCheckpointStateOutputStream.closeAndGetHandle(FsCheckpointStreamFactory.java:1)\nCaused by: com.amazonaws.services.s3.model.AmazonS3Exception: Slow Down (Status Code: 503)\n\tat com.amazonaws.http.AmazonHttpClient.execute(AmazonHttpClient.java:1)\n\t... 1 more\n";
    assert_eq!(run(&dep(), t), (None, None));
}

#[test]
fn flinks_own_connections_are_not_dependencies() {
    let t = "java.net.ConnectException: Connection refused\n\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)\n\tat org.apache.flink.shaded.netty4.io.netty.channel.socket.nio.NioSocketChannel.doFinishConnect(NioSocketChannel.java:337)\n";
    assert_eq!(run(&dep(), t), (None, None));
}

const JOB: &str = "org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\n\tat org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:213)\n";

#[test]
fn http_status_and_dropped_connections_of_the_jobs_clients() {
    // local-http-500: HttpURLConnection's wording of a 5xx answer.
    let t = format!(
        "{JOB}Caused by: java.io.IOException: Server returned HTTP response code: 500 for URL: http://127.0.0.1:40223/api/rates?currency=EUR\n\tat java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:2037)\n\tat com.acme.jobs.Http500$Call.map(Http500.java:30)\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "http"));
    // local-http-503: the job's own wording, with the 503 answer's header and body.
    let t = format!(
        "{JOB}Caused by: java.io.IOException: stock service http://127.0.0.1:40223/api/stock?sku=0 answered 503 (Retry-After: 30): {{\"error\":\"service unavailable\"}}\n\tat com.acme.jobs.Http503$Call.map(Http503.java:34)\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "http"));
    // local-empty-reply: java.net.http finds the connection closed before any header.
    let t = format!(
        "{JOB}Caused by: java.io.IOException: HTTP/1.1 header parser received no bytes\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:591)\n\tat com.acme.jobs.EmptyReply$Call.map(EmptyReply.java:31)\nCaused by: java.io.EOFException: EOF reached while reading\n\tat java.net.http/jdk.internal.net.http.Http1AsyncReceiver$Http1TubeSubscriber.onComplete(Http1AsyncReceiver.java:596)\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "connection-reset"));
    let t = "java.net.SocketException: Unexpected end of file from server\n\tat java.base/sun.net.www.http.HttpClient.parseHTTPHeader(HttpClient.java:903)\n\tat com.acme.Enrich.map(Enrich.java:1)\n";
    assert_eq!(run(&dep(), t), want("dependency", "connection-reset"));
}

#[test]
fn timeouts_of_http_clients_and_async_io() {
    // local-http-client-timeout: a java.net.http class, but a timeout first.
    let t = format!(
        "{JOB}Caused by: java.net.http.HttpTimeoutException: request timed out\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:572)\n\tat com.acme.jobs.HttpClientTimeout$Call.map(HttpClientTimeout.java:31)\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "dependency-timeout"));
    // local-async-timeout: AsyncWaitOperator times out the job's AsyncFunction.
    let t = format!(
        "{JOB}Caused by: java.lang.Exception: Could not complete the stream element: Record @ -9223372036854775808 : 0.\n\tat org.apache.flink.streaming.api.operators.async.AsyncWaitOperator$ResultHandler.completeExceptionally(AsyncWaitOperator.java:681)\n\tat org.apache.flink.streaming.api.functions.async.AsyncFunction.timeout(AsyncFunction.java:97)\nCaused by: java.util.concurrent.TimeoutException: Async function call has timed out.\n\t... 30 more\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "dependency-timeout"));
}

#[test]
fn unresolved_address_is_dns() {
    // local-unknown-host-http: java.net.http says ConnectException, NIO says why.
    let t = format!(
        "{JOB}Caused by: java.net.ConnectException\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:574)\n\tat com.acme.jobs.UnknownHostHttp$Call.map(UnknownHostHttp.java:31)\nCaused by: java.nio.channels.UnresolvedAddressException\n\tat java.base/sun.nio.ch.Net.checkAddress(Net.java:149)\n\t... 48 more\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "dns"));
}

#[test]
fn a_database_session_ended_by_the_server() {
    // local-jdbc-backend-terminated: pg_terminate_backend under a running sink.
    let t = format!(
        "{JOB}Caused by: java.io.IOException: java.io.IOException: writing order 361 failed\n\tat com.acme.jobs.JdbcOrdersSink$OrderWriter.write(JdbcOrdersSink.java:79)\nCaused by: org.postgresql.util.PSQLException: org.postgresql.util.PSQLException: FATAL: terminating connection due to administrator command\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n"
    );
    assert_eq!(run(&dep(), &t), want("dependency", "connection-reset"));
}

#[test]
fn database_server_trouble() {
    let pg = |m: &str| {
        format!(
            "org.postgresql.util.PSQLException: {m}\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2676)\n\tat com.acme.Sink.invoke(Sink.java:1)\n"
        )
    };
    for (message, category) in [
        ("FATAL: sorry, too many clients already", "jdbc"),
        (
            "ERROR: cannot execute INSERT in a read-only transaction",
            "jdbc",
        ),
        ("ERROR: deadlock detected", "jdbc"),
        (
            "ERROR: canceling statement due to statement timeout",
            "dependency-timeout",
        ),
        (
            "ERROR: canceling statement due to lock timeout",
            "dependency-timeout",
        ),
        (
            "FATAL: terminating connection due to administrator command",
            "connection-reset",
        ),
    ] {
        assert_eq!(
            run(&dep(), &pg(message)),
            want("dependency", category),
            "{message}"
        );
    }
    let t = "java.sql.SQLTransientConnectionException: (conn=12) Lock wait timeout exceeded; try restarting transaction\n\tat org.mariadb.jdbc.internal.util.exceptions.ExceptionFactory.createException(ExceptionFactory.java:79)\n";
    assert_eq!(run(&dep(), t), want("dependency", "dependency-timeout"));
    let t = "java.sql.SQLTimeoutException: (conn=9) Query execution was interrupted (max_statement_time exceeded)\n\tat org.mariadb.jdbc.internal.util.exceptions.ExceptionFactory.createException(ExceptionFactory.java:71)\n";
    assert_eq!(run(&dep(), t), want("dependency", "dependency-timeout"));
}

#[test]
fn other_stores_and_brokers_the_job_uses() {
    let t = "java.lang.RuntimeException: lookup failed\n\tat com.acme.Enrich.map(Enrich.java:40)\nCaused by: redis.clients.jedis.exceptions.JedisConnectionException: Could not get a resource from the pool\n\tat redis.clients.jedis.util.Pool.getResource(Pool.java:84)\n\tat com.acme.Enrich.map(Enrich.java:38)\n\t... 1 more\nCaused by: java.util.NoSuchElementException: Unable to validate object\n\tat org.apache.commons.pool2.impl.GenericObjectPool.borrowObject(GenericObjectPool.java:506)\n\t... 2 more\n";
    assert_eq!(run(&dep(), t), want("dependency", "service"));
    let t = "org.apache.hadoop.hbase.client.RetriesExhaustedException: Failed after attempts=36, exceptions: callTimeout=60000\n\tat org.apache.hadoop.hbase.client.RpcRetryingCallerImpl.callWithRetries(RpcRetryingCallerImpl.java:145)\n\tat com.acme.HBaseSink.invoke(HBaseSink.java:20)\n";
    assert_eq!(run(&dep(), t), want("dependency", "service"));
    // A more specific root cause wins over the client library's wrapper.
    let t = "redis.clients.jedis.exceptions.JedisConnectionException: Failed to connect to any host resolved for DNS name.\n\tat redis.clients.jedis.DefaultJedisSocketFactory.connectToFirstSuccessfulHost(DefaultJedisSocketFactory.java:63)\nCaused by: java.net.ConnectException: Connection refused\n\tat sun.nio.ch.Net.connect0(Native Method)\n\t... 1 more\n";
    assert_eq!(run(&dep(), t), want("dependency", "connection-refused"));
}

#[test]
fn a_throttling_service_is_the_dependencys() {
    let t = "java.io.IOException: Server returned HTTP response code: 429 for URL: http://api.acme/x\n\tat sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:2000)\n\tat com.acme.Enrich.map(Enrich.java:40)\n";
    assert_eq!(run(&dep(), t), want("dependency", "http"));
}
