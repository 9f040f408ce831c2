package com.acme.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Enriches events with the customer's tier from a database (a lookup per record over plain JDBC;
 * the statement is prepared in open()). Arguments are key=value: driver (jar path), url, user,
 * password, query (default: the customer tier lookup), pace (ms per record, default 10).
 */
public class JdbcLookup {
    public static class CustomerTier extends RichMapFunction<Long, String> {
        private final Map<String, String> conf;
        private transient Connection db;
        private transient PreparedStatement lookup;

        CustomerTier(Map<String, String> conf) {
            this.conf = conf;
        }

        @Override
        public void open(OpenContext ctx) throws Exception {
            db = Pg.connect(conf.get("driver"), conf.get("url"), conf.get("user"), conf.get("password"));
            lookup = db.prepareStatement(conf.getOrDefault("query", "SELECT tier FROM customers WHERE customer_id = ?"));
        }

        @Override
        public String map(Long v) throws Exception {
            lookup.setLong(1, v % 100);
            try (ResultSet rs = lookup.executeQuery()) {
                return v + "," + (rs.next() ? rs.getString(1) : "unknown");
            }
        }

        @Override
        public void close() throws Exception {
            if (db != null) {
                db.close();
            }
            Pg.release();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> conf = JdbcOrdersSink.parse(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1000).map(new Paced(Long.parseLong(conf.getOrDefault("pace", "10")))).map(new CustomerTier(conf)).sinkTo(new DiscardingSink<>());
        env.execute("jdbc-lookup");
    }

    /** Passes each record on after `ms` milliseconds. */
    public static class Paced implements org.apache.flink.api.common.functions.MapFunction<Long, Long> {
        private final long ms;

        Paced(long ms) {
            this.ms = ms;
        }

        @Override
        public Long map(Long value) throws Exception {
            Thread.sleep(ms);
            return value;
        }
    }
}
