package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Parses quantities from text records; one record is malformed ("4x2"): NumberFormatException. */
public class ParseNumber {
    public static class ToQuantity implements MapFunction<String, Integer> {
        @Override
        public Integer map(String line) {
            String[] f = line.split(";");
            return Integer.parseInt(f[1].trim());
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromData("sku-1; 17", "sku-2; 23", "sku-3; 4x2", "sku-4; 8")
                .map(new ToQuantity())
                .sinkTo(new DiscardingSink<>());
        env.execute("parse-number");
    }
}
