package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/** A KeyedProcessFunction rejects an event type it does not know. */
public class ProcessThrows {
    public static class Route extends KeyedProcessFunction<Long, Long, String> {
        @Override
        public void processElement(Long v, Context ctx, Collector<String> out) {
            String type = v < 30 ? "ORDER" : "REFUND";
            switch (type) {
                case "ORDER":
                    out.collect("order " + v);
                    break;
                default:
                    throw new IllegalArgumentException("unknown event type: " + type + " (key " + ctx.getCurrentKey() + ")");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).keyBy(v -> v % 8).process(new Route()).sinkTo(new DiscardingSink<>());
        env.execute("process-throws");
    }
}
