package com.acme.jobs;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A filter casts an untyped event field to String; one producer sent a number: ClassCastException. */
public class CastInFilter {
    static Map<String, Object> event(long v) {
        Map<String, Object> e = new HashMap<>();
        e.put("id", v);
        e.put("country", v == 5 ? (Object) Integer.valueOf(31) : "NL");
        return e;
    }

    public static class OnlyDutch implements FilterFunction<Map<String, Object>> {
        @Override
        public boolean filter(Map<String, Object> e) {
            String country = (String) e.get("country");
            return country.equals("NL");
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .map(CastInFilter::event)
                .returns(new org.apache.flink.api.java.typeutils.MapTypeInfo<>(String.class, Object.class))
                .filter(new OnlyDutch())
                .sinkTo(new DiscardingSink<>());
        env.execute("cast-in-filter");
    }
}
