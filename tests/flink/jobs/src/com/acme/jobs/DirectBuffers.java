package com.acme.jobs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Keeps a 16 MiB direct (off-heap) buffer per batch; task off-heap memory is 0: direct OOM. */
public class DirectBuffers {
    public static class OffHeapBatch implements MapFunction<Long, Long> {
        private final List<ByteBuffer> batches = new ArrayList<>();

        @Override
        public Long map(Long v) {
            batches.add(ByteBuffer.allocateDirect(16 << 20));
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100_000).map(new OffHeapBatch()).sinkTo(new DiscardingSink<>());
        env.execute("direct-buffers");
    }
}
