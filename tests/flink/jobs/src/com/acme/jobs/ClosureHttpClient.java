package com.acme.jobs;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The map function holds an HttpClient (not Serializable) as a field. At submission Flink's
 * ClosureCleaner walks the field and, on Java 17, is refused reflective access to the JDK's
 * internals: the job is rejected.
 */
public class ClosureHttpClient {
    public static class Lookup implements MapFunction<Long, String> {
        private final HttpClient client = HttpClient.newHttpClient();

        @Override
        public String map(Long v) throws Exception {
            return client.send(HttpRequest.newBuilder(URI.create("http://inventory/items/" + v)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Lookup()).sinkTo(new DiscardingSink<>());
        env.execute("closure-http-client");
    }
}
