package com.acme.jobs;

import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A custom Partitioner assumes 16 partitions; the downstream operator has 2. */
public class BadPartitioner {
    public static class ByShard implements Partitioner<Long> {
        @Override
        public int partition(Long key, int numPartitions) {
            return (int) (key % 16);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .partitionCustom(new ByShard(), v -> v)
                .map(v -> v * 2).setParallelism(2)
                .sinkTo(new DiscardingSink<>()).setParallelism(2);
        env.execute("bad-partitioner");
    }
}
