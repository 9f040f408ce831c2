package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A healthy, endless, slow job; the capture kills or freezes its TaskManager under it. */
public class Steady {
    public static class Pace implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(10);
            return value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).map(new Pace()).sinkTo(new DiscardingSink<>());
        env.execute("steady");
    }
}
