package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A map on a non-keyed stream asks for keyed ValueState (keyBy forgotten). */
public class NonKeyedState {
    public static class Dedup extends RichMapFunction<Long, Long> {
        private transient ValueState<Long> last;

        @Override
        public void open(OpenContext ctx) {
            last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", Long.class));
        }

        @Override
        public Long map(Long v) throws Exception {
            Long prev = last.value();
            last.update(v);
            return prev == null ? v : v - prev;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Dedup()).sinkTo(new DiscardingSink<>());
        env.execute("non-keyed-state");
    }
}
