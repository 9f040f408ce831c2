package com.acme.jobs;

import java.io.IOException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A custom sink's writer validates records against its schema and throws. */
public class FailingSink {
    public static class LedgerSink implements Sink<String> {
        @Override
        public SinkWriter<String> createWriter(WriterInitContext context) {
            return new SinkWriter<String>() {
                @Override
                public void write(String row, Context ctx) {
                    if (!row.matches("\\d+,\\d+\\.\\d{2}")) {
                        throw new IllegalArgumentException("ledger row does not match schema (id,amount): '" + row + "'");
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100)
                .map(v -> v + "," + (v == 12 ? "12.5" : v + ".00"))
                .sinkTo(new LedgerSink());
        env.execute("failing-sink");
    }
}
