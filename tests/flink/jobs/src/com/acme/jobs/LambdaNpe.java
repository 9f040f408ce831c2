package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A lambda map that dereferences null on record 7: a user failure. */
public class LambdaNpe {
    static String lookup(long v) {
        return v == 7L ? null : "k" + v;
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(v -> lookup(v).length()).sinkTo(new DiscardingSink<>());
        env.execute("lambda-npe");
    }
}
