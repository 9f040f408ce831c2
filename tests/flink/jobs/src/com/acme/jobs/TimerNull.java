package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/** onTimer reads a session start that a later event cleared: unboxing null in the timer callback. */
public class TimerNull {
    public static class Sessions extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> started;

        @Override
        public void open(OpenContext ctx) {
            started = getRuntimeContext().getState(new ValueStateDescriptor<>("started", Long.class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            if (v % 2 == 0) {
                long now = ctx.timerService().currentProcessingTime();
                started.update(now);
                ctx.timerService().registerProcessingTimeTimer(now + 50);
            } else {
                started.clear();
            }
        }

        @Override
        public void onTimer(long ts, OnTimerContext ctx, Collector<Long> out) throws Exception {
            long began = started.value();
            out.collect(ts - began);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new Steady.Pace())
                .keyBy(v -> v % 3)
                .process(new Sessions())
                .sinkTo(new DiscardingSink<>());
        env.execute("timer-null");
    }
}
