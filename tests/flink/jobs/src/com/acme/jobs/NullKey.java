package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** The key selector returns null for records without a customer: Flink rejects the null key. */
public class NullKey {
    static String customerOf(long order) {
        return order % 10 == 9 ? null : "c" + (order % 4);
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .keyBy(NullKey::customerOf)
                .reduce(Long::sum)
                .sinkTo(new DiscardingSink<>());
        env.execute("null-key");
    }
}
