package com.acme.jobs;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A Tuple2 carries a null Long (a missing amount) across keyBy; Flink's tuple serializer refuses it. */
public class NullTupleField {
    static Long amountOf(long order) {
        return order == 17 ? null : order * 10;
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .map(v -> Tuple2.of("region-" + (v % 3), amountOf(v)))
                .returns(Types.TUPLE(Types.STRING, Types.LONG))
                .keyBy(t -> t.f0)
                .sum(1)
                .sinkTo(new DiscardingSink<>());
        env.execute("null-tuple-field");
    }
}
