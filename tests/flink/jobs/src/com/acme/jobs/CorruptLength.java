package com.acme.jobs;

import java.nio.ByteBuffer;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Decodes length-prefixed frames; a corrupt header claims 2^31-1 bytes: the array cannot exist. */
public class CorruptLength {
    static ByteBuffer frame(long v) {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putInt(v == 9 ? Integer.MAX_VALUE : 8).putLong(v).flip();
        return b;
    }

    public static class Decode implements MapFunction<Long, Integer> {
        @Override
        public Integer map(Long v) {
            ByteBuffer in = frame(v);
            byte[] payload = new byte[in.getInt()];
            in.get(payload, 0, Math.min(payload.length, in.remaining()));
            return payload.length;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Decode()).sinkTo(new DiscardingSink<>());
        env.execute("corrupt-length");
    }
}
