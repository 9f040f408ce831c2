package com.acme.jobs;

import java.net.Socket;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Connects to a local port nobody listens on: a dependency failure. */
public class ClosedPort {
    static class Lookup extends RichMapFunction<Long, Long> {
        @Override
        public Long map(Long v) throws Exception {
            try (Socket s = new Socket("127.0.0.1", 1)) {
                return v;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 10).map(new Lookup()).sinkTo(new DiscardingSink<>());
        env.execute("closed-port");
    }
}
