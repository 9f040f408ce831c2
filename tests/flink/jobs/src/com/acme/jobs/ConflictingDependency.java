package com.acme.jobs;

import com.acme.vendor.Codec;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Compiled against version 1 of a vendor codec (jobs/vendor-api: Codec.decode(String)); the jar
 * bundles version 2 (jobs/vendor-lib: decode(String, Charset) only): NoSuchMethodError.
 */
public class ConflictingDependency {
    public static class Decode implements MapFunction<Long, String> {
        @Override
        public String map(Long v) {
            return Codec.decode("payload-" + v);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Decode()).sinkTo(new DiscardingSink<>());
        env.execute("conflicting-dependency");
    }
}
