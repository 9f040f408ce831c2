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
