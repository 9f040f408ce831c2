package com.acme.jobs;

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Opens a spool file per record in the given directory and never closes it: file descriptors run out. */
public class FileLeak {
    public static class Spool implements MapFunction<Long, Long> {
        private final String dir;
        private final List<OutputStream> open = new ArrayList<>();

        Spool(String dir) {
            this.dir = dir;
        }

        @Override
        public Long map(Long v) throws Exception {
            OutputStream out = new FileOutputStream(new File(dir, "spool-" + v + ".tmp"));
            out.write(v.byteValue());
            open.add(out);
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1_000_000).map(new Spool(args[0])).sinkTo(new DiscardingSink<>());
        env.execute("file-leak");
    }
}
