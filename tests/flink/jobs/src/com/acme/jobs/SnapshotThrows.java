package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A CheckpointedFunction refuses to snapshot while it has unflushed writes. */
public class SnapshotThrows {
    public static class Batching implements MapFunction<Long, Long>, CheckpointedFunction {
        private int pending;

        @Override
        public Long map(Long v) {
            pending++;
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) {
            if (pending > 0) {
                throw new IllegalStateException("cannot snapshot checkpoint " + ctx.getCheckpointId() + ": " + pending + " writes not flushed");
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) {}
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(500);
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
        env.fromSequence(0, Long.MAX_VALUE).map(new Steady.Pace()).map(new Batching()).sinkTo(new DiscardingSink<>());
        env.execute("snapshot-throws");
    }
}
