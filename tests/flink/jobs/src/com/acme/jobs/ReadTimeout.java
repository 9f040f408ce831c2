package com.acme.jobs;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Fetches exchange rates over HttpURLConnection from a service that accepts and never answers (2 s read timeout). Argument: base URL. */
public class ReadTimeout {
    public static class Rates extends RichMapFunction<Long, Integer> {
        private final String base;

        Rates(String base) {
            this.base = base;
        }

        @Override
        public Integer map(Long v) throws Exception {
            HttpURLConnection c = (HttpURLConnection) new URL(base + "/api/rates?currency=USD").openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(2000);
            try (InputStream in = c.getInputStream()) {
                return in.readAllBytes().length;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Rates(args[0])).sinkTo(new DiscardingSink<>());
        env.execute("read-timeout");
    }
}
