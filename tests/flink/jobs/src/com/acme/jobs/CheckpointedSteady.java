package com.acme.jobs;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * A healthy job with keyed state, checkpointing every 500 ms into a file-system checkpoint
 * directory; no checkpoint failure is tolerated. Arguments: checkpoint directory (a file:// URI),
 * checkpoint timeout in ms, how many new keys per second the state grows by (0: a fixed 100
 * keys) and the bytes kept per key (1024 unless given; small state is inlined into the
 * checkpoint's _metadata file, which the JobManager writes). capture.sh breaks the platform under it (freezes the TaskManager, removes or
 * fills the checkpoint directory).
 */
public class CheckpointedSteady {
    public static class Remember extends KeyedProcessFunction<Long, Long, Long> {
        private final int bytesPerKey;
        private transient ValueState<byte[]> blob;

        Remember(int bytesPerKey) {
            this.bytesPerKey = bytesPerKey;
        }

        @Override
        public void open(OpenContext ctx) {
            blob = getRuntimeContext().getState(new ValueStateDescriptor<>("blob", byte[].class));
        }

        @Override
        public void processElement(Long v, Context ctx, Collector<Long> out) throws Exception {
            if (blob.value() == null) {
                byte[] b = new byte[bytesPerKey];
                java.util.Arrays.fill(b, (byte) v.longValue());
                blob.update(b);
            }
            out.collect(v);
        }
    }

    public static void main(String[] args) throws Exception {
        String dir = args[0];
        long timeoutMs = Long.parseLong(args[1]);
        long growth = args.length > 2 ? Long.parseLong(args[2]) : 0;
        int bytesPerKey = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMillis(timeoutMs));
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE)
                .map(new Steady.Pace())
                .keyBy(v -> growth > 0 ? v * growth / 100 : v % 100)
                .process(new Remember(bytesPerKey))
                .sinkTo(new DiscardingSink<>());
        env.execute("checkpointed-steady");
    }
}
