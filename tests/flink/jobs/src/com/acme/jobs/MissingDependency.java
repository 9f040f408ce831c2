package com.acme.jobs;

import com.acme.vendor.GeoIp;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Compiled against a vendor library (com.acme.vendor.GeoIp, jobs/vendor-api) that the job's jar
 * does not contain (a "provided" dependency nobody provides): NoClassDefFoundError.
 */
public class MissingDependency {
    public static class Locate implements MapFunction<Long, String> {
        @Override
        public String map(Long v) {
            return GeoIp.country("10.0.0." + (v % 250));
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Locate()).sinkTo(new DiscardingSink<>());
        env.execute("missing-dependency");
    }
}
