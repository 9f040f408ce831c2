package com.acme.jobs;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** open() loads a reference file from a path that does not exist on the TaskManager. */
public class OpenMissingFile {
    public static class WithRates extends RichMapFunction<Long, Long> {
        private transient List<String> rates;

        @Override
        public void open(OpenContext ctx) throws Exception {
            rates = Files.readAllLines(Paths.get("/opt/acme/reference/exchange-rates.csv"));
        }

        @Override
        public Long map(Long v) {
            return v * rates.size();
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new WithRates()).sinkTo(new DiscardingSink<>());
        env.execute("open-missing-file");
    }
}
