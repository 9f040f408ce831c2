package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;

/**
 * A count window that is far too large (one hot key, 100 million elements per window, buffered by a
 * ProcessWindowFunction in heap window state): the TaskManager heap runs out inside Flink's window
 * state, not in a user frame.
 */
public class WindowBufferOom {
    public static class Count extends ProcessWindowFunction<Long, Long, Long, GlobalWindow> {
        @Override
        public void process(Long key, Context ctx, Iterable<Long> elements, Collector<Long> out) {
            long n = 0;
            for (Long e : elements) {
                n++;
            }
            out.collect(n);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE)
                .keyBy(v -> 0L)
                .countWindow(100_000_000)
                .process(new Count())
                .sinkTo(new DiscardingSink<>());
        env.execute("window-buffer-oom");
    }
}
