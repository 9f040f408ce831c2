package com.acme.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Writes order events into a database with a custom Sink V2 writer over plain JDBC (INSERT, per row
 * or in batches of `batch`). key=value arguments: driver (jar path), url, user, password, table
 * (default order_events), count (rows; endless), pace (ms per row; 10), batch (1), commit (rows per
 * transaction when batch is 1; 1), repeat (ids restart after this many rows; never), start (first
 * id; 0), payload (bytes of the note; 16), nulls (every nulls-th note is empty, written as NULL).
 */
public class JdbcOrdersSink {
    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (String a : args) {
            int i = a.indexOf('=');
            m.put(a.substring(0, i), a.substring(i + 1));
        }
        return m;
    }

    public static class OrderSink implements Sink<Tuple2<Long, String>> {
        private final Map<String, String> conf;

        OrderSink(Map<String, String> conf) {
            this.conf = new HashMap<>(conf);
        }

        @Override
        public SinkWriter<Tuple2<Long, String>> createWriter(WriterInitContext context) throws java.io.IOException {
            try {
                return new OrderWriter(conf);
            } catch (java.io.IOException e) {
                throw e;
            } catch (Exception e) {
                throw new java.io.IOException("cannot open the orders database", e);
            }
        }
    }

    static class OrderWriter implements SinkWriter<Tuple2<Long, String>> {
        private final Connection db;
        private final PreparedStatement insert;
        private final int batch;
        private int pending, commit, uncommitted;

        OrderWriter(Map<String, String> conf) throws Exception {
            db = Pg.connect(conf.get("driver"), conf.get("url"), conf.get("user"), conf.get("password"));
            db.setAutoCommit(false);
            insert = db.prepareStatement("INSERT INTO " + conf.getOrDefault("table", "order_events")
                    + " (order_id, note) VALUES (?, ?)");
            batch = Integer.parseInt(conf.getOrDefault("batch", "1")); commit = Integer.parseInt(conf.getOrDefault("commit", "1"));
        }

        @Override
        public void write(Tuple2<Long, String> order, Context ctx) throws java.io.IOException {
            try {
                insert.setLong(1, order.f0);
                insert.setString(2, order.f1.isEmpty() ? null : order.f1);
                if (batch == 1) {
                    insert.executeUpdate();
                    if (++uncommitted >= commit) { db.commit(); uncommitted = 0; }
                } else {
                    insert.addBatch();
                    if (++pending >= batch) {
                        flushBatch();
                    }
                }
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException("writing order " + order.f0 + " failed", e);
            }
        }

        private void flushBatch() throws java.sql.SQLException {
            if (pending > 0) {
                insert.executeBatch();
                db.commit();
                pending = 0;
            }
        }

        @Override
        public void flush(boolean endOfInput) throws java.io.IOException {
            try {
                flushBatch();
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException("flushing orders failed", e);
            }
        }

        @Override
        public void close() throws Exception {
            db.close();
            Pg.release();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> conf = parse(args);
        long count = Long.parseLong(conf.getOrDefault("count", String.valueOf(Long.MAX_VALUE)));
        long pace = Long.parseLong(conf.getOrDefault("pace", "10"));
        long repeat = Long.parseLong(conf.getOrDefault("repeat", "0"));
        int payload = Integer.parseInt(conf.getOrDefault("payload", "16"));
        long start = Long.parseLong(conf.getOrDefault("start", "0"));
        long nulls = Long.parseLong(conf.getOrDefault("nulls", "0"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, count - 1)
                .map(new MapFunction<Long, Tuple2<Long, String>>() {
                    @Override
                    public Tuple2<Long, String> map(Long v) throws Exception {
                        if (pace > 0) {
                            Thread.sleep(pace);
                        }
                        long id = start + (repeat > 0 ? v % repeat : v);
                        StringBuilder note = new StringBuilder("order-" + v + "-");
                        while (note.length() < payload) {
                            note.append((char) ('a' + note.length() % 26));
                        }
                        return Tuple2.of(id, nulls > 0 && v % nulls == nulls - 1 ? "" : note.toString());
                    }
                })
                .name("orders")
                .sinkTo(new OrderSink(conf))
                .name("orders-db");
        env.execute("jdbc-orders-sink");
    }
}
