package com.acme.jobs;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Calls a stock service that answers 503 Service Unavailable; the client code turns a non-2xx status into an IOException. Argument: base URL. */
public class Http503 {
    public static class Call extends RichMapFunction<Long, String> {
        private final String base;
        private transient HttpClient client;

        Call(String base) {
            this.base = base;
        }

        @Override
        public void open(OpenContext ctx) {
            client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        }

        @Override
        public String map(Long v) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/stock?sku=" + v)).build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new java.io.IOException("stock service " + request.uri() + " answered " + response.statusCode()
                        + " (Retry-After: " + response.headers().firstValue("Retry-After").orElse("-") + "): " + response.body());
            }
            return response.body();
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Call(args[0])).sinkTo(new DiscardingSink<>());
        env.execute("http-503");
    }
}
