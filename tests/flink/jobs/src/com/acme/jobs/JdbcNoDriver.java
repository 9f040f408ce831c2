package com.acme.jobs;

import java.sql.Connection;
import java.sql.DriverManager;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** open() connects with JDBC, but the PostgreSQL driver is not in the job's jar. */
public class JdbcNoDriver {
    public static class Enrich extends RichMapFunction<Long, Long> {
        private transient Connection db;

        @Override
        public void open(OpenContext ctx) throws Exception {
            db = DriverManager.getConnection("jdbc:postgresql://orders-db:5432/orders", "flink", "secret");
        }

        @Override
        public Long map(Long v) {
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Enrich()).sinkTo(new DiscardingSink<>());
        env.execute("jdbc-no-driver");
    }
}
