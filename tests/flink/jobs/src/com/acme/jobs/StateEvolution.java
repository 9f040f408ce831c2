package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * Keeps a running total per key in ValueState (operator uid "totals"). capture.sh runs version
 * "v1", takes a savepoint, and restores it into a changed version of the job:
 * "value-string" keeps the total as a String now, "key-string" keys by a String instead of a Long.
 */
public class StateEvolution {
    public static class TotalV1 extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> total;

        @Override
        public void open(OpenContext ctx) {
            total = getRuntimeContext().getState(new ValueStateDescriptor<>("total", Long.class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            Long t = total.value();
            total.update(t == null ? v : t + v);
            out.collect(total.value());
        }
    }

    /** The total became a formatted String; the state name and operator uid stayed. */
    public static class TotalAsString extends KeyedProcessFunction<Long, Long, String> {
        private transient ValueState<String> total;

        @Override
        public void open(OpenContext ctx) {
            total = getRuntimeContext().getState(new ValueStateDescriptor<>("total", String.class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<String> out) throws Exception {
            total.update(String.format("%,d", v));
            out.collect(total.value());
        }
    }

    /** The key became a String ("account-3"); state and operator uid stayed. */
    public static class TotalByName extends KeyedProcessFunction<String, Long, Long> {
        private transient ValueState<Long> total;

        @Override
        public void open(OpenContext ctx) {
            total = getRuntimeContext().getState(new ValueStateDescriptor<>("total", Long.class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            Long t = total.value();
            total.update(t == null ? v : t + v);
            out.collect(total.value());
        }
    }

    public static void main(String[] args) throws Exception {
        String version = args.length > 0 ? args[0] : "v1";
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        DataStream<Long> numbers = env.fromSequence(0, Long.MAX_VALUE).uid("numbers")
                .map(new Steady.Pace()).uid("pace");
        DataStream<?> totals;
        switch (version) {
            case "value-string":
                totals = numbers.keyBy(v -> v % 10).process(new TotalAsString()).uid("totals");
                break;
            case "key-string":
                totals = numbers.keyBy(v -> "account-" + (v % 10)).process(new TotalByName()).uid("totals");
                break;
            default:
                totals = numbers.keyBy(v -> v % 10).process(new TotalV1()).uid("totals");
        }
        totals.sinkTo(new DiscardingSink<>()).uid("sink");
        env.execute("state-evolution-" + version);
    }
}
