package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.source.legacy.RichSourceFunction;

/** A hand-written (legacy SourceFunction) source whose cursor logic breaks after a few pages. */
public class FailingSource {
    public static class PagedSource extends RichSourceFunction<String> {
        private volatile boolean running = true;

        @Override
        public void run(SourceContext<String> ctx) {
            String cursor = "page-0";
            for (int page = 0; running; page++) {
                for (int i = 0; i < 10; i++) {
                    ctx.collect(cursor + "/" + i);
                }
                cursor = page < 3 ? "page-" + (page + 1) : null;
                if (cursor == null) {
                    throw new IllegalStateException("cursor lost after page " + page + ": the API returned no next link");
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.addSource(new PagedSource(), "paged-api").sinkTo(new DiscardingSink<>());
        env.execute("failing-source");
    }
}
