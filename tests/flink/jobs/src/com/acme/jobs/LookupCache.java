package com.acme.jobs;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** An unbounded lookup cache of small entries; with the parallel collector the JVM gives up on GC. */
public class LookupCache {
    public static class Cached implements MapFunction<Long, Long> {
        private final Map<Long, String> cache = new HashMap<>();

        @Override
        public Long map(Long v) {
            cache.put(v, "customer-" + v);
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).map(new Cached()).sinkTo(new DiscardingSink<>());
        env.execute("lookup-cache");
    }
}
