package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Asks for more parallelism than the cluster has slots: a platform (scheduling) failure. */
public class TooManySlots {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(8);
        env.fromSequence(0, Long.MAX_VALUE).map(v -> v + 1).sinkTo(new DiscardingSink<>());
        env.execute("too-many-slots");
    }
}
