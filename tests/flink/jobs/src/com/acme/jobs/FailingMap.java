package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A user map function that throws on record 42: a user failure. */
public class FailingMap {
    /** Parses a record; 42 is a poisoned one. */
    public static class Enrich implements MapFunction<Long, String> {
        @Override
        public String map(Long value) {
            if (value == 42L) {
                throw new IllegalStateException("bad record " + value);
            }
            return "ok-" + value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1000).map(new Enrich()).sinkTo(new DiscardingSink<>());
        env.execute("failing-map");
    }
}
