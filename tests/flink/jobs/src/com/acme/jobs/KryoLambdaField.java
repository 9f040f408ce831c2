package com.acme.jobs;

import java.io.Serializable;
import java.util.function.Function;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A record type (not a POJO: private fields, no setters) carries a formatting lambda as a field.
 * Flink falls back to Kryo, which writes the lambda's (hidden) class name; the task after keyBy
 * cannot load that class by name when it reads the record back.
 */
public class KryoLambdaField {
    public interface Formatter extends Function<Long, String>, Serializable {}

    public static final class Metric {
        private final String name;
        private final long value;
        private final Formatter format;

        public Metric(String name, long value, Formatter format) {
            this.name = name;
            this.value = value;
            this.format = format;
        }

        public String name() {
            return name;
        }

        public String render() {
            return name + "=" + format.apply(value);
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1000)
                .map(v -> new Metric("latency-" + (v % 4), v, x -> x + " ms"))
                .returns(Metric.class)
                .keyBy(Metric::name)
                .map(Metric::render)
                .sinkTo(new DiscardingSink<>());
        env.execute("kryo-lambda-field");
    }
}
