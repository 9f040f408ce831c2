package com.acme.jobs;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** open() loads a configured enricher class by name; it is not in the job's jar. */
public class ClassByName {
    public static class Pluggable extends RichMapFunction<Long, String> {
        private transient Object enricher;

        @Override
        public void open(OpenContext ctx) throws Exception {
            Class<?> c = Class.forName("com.acme.enrich.GeoIpEnricher", true, Thread.currentThread().getContextClassLoader());
            enricher = c.getDeclaredConstructor().newInstance();
        }

        @Override
        public String map(Long v) {
            return enricher + ":" + v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Pluggable()).sinkTo(new DiscardingSink<>());
        env.execute("class-by-name");
    }
}
