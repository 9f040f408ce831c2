package com.acme.jobs;

import java.time.Instant;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** The timestamp assigner parses event time from the record; one has an invalid date. */
public class BadTimestamp {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromData("2024-05-01T10:00:00Z,click", "2024-05-01T10:00:01Z,view", "2024-13-01T10:00:02Z,click")
                .assignTimestampsAndWatermarks(WatermarkStrategy.<String>forMonotonousTimestamps()
                        .withTimestampAssigner((line, ts) -> Instant.parse(line.substring(0, line.indexOf(','))).toEpochMilli()))
                .sinkTo(new DiscardingSink<>());
        env.execute("bad-timestamp");
    }
}
