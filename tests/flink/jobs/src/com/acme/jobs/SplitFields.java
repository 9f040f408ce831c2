package com.acme.jobs;

import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/** An anonymous FlatMapFunction reads the third CSV column; a short line has only two. */
public class SplitFields {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromData("alice,NL,42", "bob,DE,7", "carol,FR")
                .flatMap(new FlatMapFunction<String, String>() {
                    @Override
                    public void flatMap(String line, Collector<String> out) {
                        String[] fields = line.split(",");
                        out.collect(fields[0] + "@" + fields[2]);
                    }
                })
                .sinkTo(new DiscardingSink<>());
        env.execute("split-fields");
    }
}
