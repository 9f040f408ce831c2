package com.acme.jobs;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Creates an executor per record and never shuts it down: threads pile up until none can be created. */
public class ThreadLeak {
    public static class Notify implements MapFunction<Long, Long> {
        @Override
        public Long map(Long v) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            pool.submit(() -> {
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1_000_000).map(new Notify()).sinkTo(new DiscardingSink<>());
        env.execute("thread-leak");
    }
}
