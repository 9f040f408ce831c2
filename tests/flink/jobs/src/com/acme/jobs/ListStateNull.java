package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/** Buffers an optional field of each event in ListState; one event lacks it: add(null). */
public class ListStateNull {
    public static class Collect extends KeyedProcessFunction<Long, Long, String> {
        private transient ListState<String> coupons;

        @Override
        public void open(OpenContext ctx) {
            coupons = getRuntimeContext().getListState(new ListStateDescriptor<>("coupons", String.class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<String> out) throws Exception {
            String coupon = v % 13 == 12 ? null : "C" + v;
            coupons.add(coupon);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).keyBy(v -> v % 4).process(new Collect()).sinkTo(new DiscardingSink<>());
        env.execute("list-state-null");
    }
}
