package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A user map function that blocks forever on its first record and swallows interrupts: the job
 * is RUNNING but makes no progress (a stuck job). Cancelling it does not stop the task; Flink's
 * task watchdog kills the TaskManager after {@code task.cancellation.timeout} (180 s by default).
 */
public class BlockForever {
    /** Waits for something that never comes, ignoring cancellation. */
    public static class Await implements MapFunction<Long, Long> {
        @Override
        public Long map(Long value) {
            Object never = new Object();
            while (true) {
                synchronized (never) {
                    try {
                        never.wait(60_000);
                    } catch (InterruptedException e) {
                        // Deliberately ignored, like a careless client library.
                    }
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).map(new Await()).sinkTo(new DiscardingSink<>());
        env.execute("block-forever");
    }
}
