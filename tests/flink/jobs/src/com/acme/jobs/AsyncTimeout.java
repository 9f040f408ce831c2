package com.acme.jobs;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Async I/O enrichment against a service that never answers; Flink's async timeout is 2 s. Argument: base URL. */
public class AsyncTimeout {
    public static class Enrich extends RichAsyncFunction<Long, String> {
        private final String base;
        private transient HttpClient client;

        Enrich(String base) {
            this.base = base;
        }

        @Override
        public void open(OpenContext ctx) {
            client = HttpClient.newHttpClient();
        }

        @Override
        public void asyncInvoke(Long v, ResultFuture<String> result) {
            client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/profile/" + v)).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            result.completeExceptionally(e);
                        } else {
                            result.complete(Collections.singleton(r.body()));
                        }
                    });
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        AsyncDataStream.unorderedWait(env.fromSequence(0, 100), new Enrich(args[0]), 2, TimeUnit.SECONDS, 10)
                .sinkTo(new DiscardingSink<>());
        env.execute("async-timeout");
    }
}
