package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;

/** A window function averages the valid readings of a count window; one window has none: / by zero. */
public class WindowAverage {
    public static class Average extends ProcessWindowFunction<Long, Long, Long, GlobalWindow> {
        @Override
        public void process(Long key, Context ctx, Iterable<Long> readings, Collector<Long> out) {
            long sum = 0;
            int valid = 0;
            for (Long r : readings) {
                if (r < 40) {
                    sum += r;
                    valid++;
                }
            }
            out.collect(sum / valid);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 200)
                .keyBy(v -> v % 3)
                .countWindow(5)
                .process(new Average())
                .sinkTo(new DiscardingSink<>());
        env.execute("window-average");
    }
}
