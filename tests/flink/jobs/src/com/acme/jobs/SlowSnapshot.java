package com.acme.jobs;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A CheckpointedFunction whose snapshotState compacts its buffer synchronously and takes far longer
 * than the 2 s checkpoint timeout; no checkpoint failure is tolerated.
 */
public class SlowSnapshot {
    public static class Buffered implements MapFunction<Long, Long>, CheckpointedFunction {
        private final List<Long> buffer = new ArrayList<>();
        private transient ListState<Long> state;

        @Override
        public Long map(Long v) {
            buffer.add(v);
            return v;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
            state.update(compact(buffer));
        }

        private static List<Long> compact(List<Long> in) throws InterruptedException {
            List<Long> out = new ArrayList<>();
            for (Long v : in) {
                if (!out.contains(v)) { // quadratic, and then some
                    out.add(v);
                }
                Thread.sleep(5);
            }
            Thread.sleep(30_000);
            return out;
        }

        @Override
        public void initializeState(FunctionInitializationContext ctx) throws Exception {
            state = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<>("buffer", Long.class));
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(1000);
        env.getCheckpointConfig().setCheckpointTimeout(2000);
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(0);
        env.fromSequence(0, Long.MAX_VALUE).map(new Steady.Pace()).map(new Buffered()).sinkTo(new DiscardingSink<>());
        env.execute("slow-snapshot");
    }
}
