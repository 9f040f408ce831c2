package com.acme.jobs;

import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A healthy BATCH job: a fast source of orders and a slow source of refunds (10 ms a record,
 * about 15 s) are unioned and summed per customer. In BATCH mode the exchange is blocking: each
 * source writes its output to shuffle files in the TaskManager's io.tmp.dirs, and the keyed sum
 * starts only when both have finished. capture.sh removes those files while the slow source runs.
 */
public class BatchShuffle {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(1);
        DataStream<Tuple2<Long, Long>> orders = env.fromSequence(0, 200_000).name("orders")
                .map(v -> Tuple2.of(v % 1000, v)).returns(Types.TUPLE(Types.LONG, Types.LONG)).name("orders-by-customer");
        DataStream<Tuple2<Long, Long>> refunds = env.fromSequence(0, 1500).name("refunds")
                .map(new Steady.Pace()).name("refunds-pace")
                .map(v -> Tuple2.of(v % 1000, -v)).returns(Types.TUPLE(Types.LONG, Types.LONG)).name("refunds-by-customer");
        orders.union(refunds)
                .keyBy(t -> t.f0)
                .sum(1).name("balance")
                .sinkTo(new DiscardingSink<>());
        env.execute("batch-shuffle");
    }
}
