package com.acme.jobs;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** The map function holds a field of the job's own non-Serializable cache class: rejected at submission. */
public class ClosureNotSerializable {
    /** A plain cache class; not Serializable. */
    public static class RateCache {
        private final Map<String, Double> rates = new HashMap<>();

        double rate(String currency) {
            return rates.getOrDefault(currency, 1.0);
        }
    }

    public static class Convert implements MapFunction<Long, Double> {
        private final RateCache cache = new RateCache();

        @Override
        public Double map(Long v) {
            return v * cache.rate("EUR");
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Convert()).sinkTo(new DiscardingSink<>());
        env.execute("closure-not-serializable");
    }
}
