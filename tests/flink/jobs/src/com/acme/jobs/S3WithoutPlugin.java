package com.acme.jobs;

import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A FileSink writes to s3://, but the cluster has no S3 file system plugin. */
public class S3WithoutPlugin {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .map(v -> "order-" + v)
                .sinkTo(FileSink.forRowFormat(new Path("s3://acme-events/orders/"), new SimpleStringEncoder<String>()).build());
        env.execute("s3-without-plugin");
    }
}
