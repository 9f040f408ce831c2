package com.acme.jobs;

import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Collects every rejected record (200 KiB each) in an accumulator: ~16 MiB, above the RPC frame size. */
public class BigAccumulator {
    public static class Audit extends RichMapFunction<Long, Long> {
        private final ListAccumulator<String> rejected = new ListAccumulator<>();

        @Override
        public void open(OpenContext ctx) {
            getRuntimeContext().addAccumulator("rejected", rejected);
        }

        @Override
        public Long map(Long v) throws Exception {
            rejected.add(String.valueOf(v).repeat(200_000 / (String.valueOf(v).length())));
            Thread.sleep(20);
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(1, 80).map(new Audit()).sinkTo(new DiscardingSink<>());
        env.execute("big-accumulator");
    }
}
