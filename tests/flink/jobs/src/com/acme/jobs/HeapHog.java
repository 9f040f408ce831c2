package com.acme.jobs;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A user map that keeps every record's 8 MiB buffer: the task heap runs out (OutOfMemoryError). */
public class HeapHog {
    public static class Buffering implements MapFunction<Long, Long> {
        private final List<byte[]> kept = new ArrayList<>();

        @Override
        public Long map(Long value) {
            kept.add(new byte[8 << 20]);
            return value;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100_000).map(new Buffering()).sinkTo(new DiscardingSink<>());
        env.execute("heap-hog");
    }
}
