package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Code ported from a command-line tool calls System.exit on a bad record. */
public class SystemExit {
    public static class Validate implements MapFunction<Long, Long> {
        @Override
        public Long map(Long v) {
            if (v == 20) {
                System.err.println("fatal: checksum mismatch in record " + v);
                System.exit(3);
            }
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Validate()).sinkTo(new DiscardingSink<>());
        env.execute("system-exit");
    }
}
