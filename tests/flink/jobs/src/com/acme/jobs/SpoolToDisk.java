package com.acme.jobs;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Spools every record (64 KiB) to a local file on a small volume until the disk is full. */
public class SpoolToDisk {
    public static class Spool extends RichMapFunction<Long, Long> {
        private final String file;
        private transient OutputStream out;

        Spool(String file) {
            this.file = file;
        }

        @Override
        public void open(OpenContext ctx) throws Exception {
            out = new BufferedOutputStream(new FileOutputStream(file), 1 << 16);
        }

        @Override
        public Long map(Long v) throws Exception {
            out.write(new byte[64 << 10]);
            out.flush();
            return v;
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1_000_000).map(new Spool(args[0])).sinkTo(new DiscardingSink<>());
        env.execute("spool-to-disk");
    }
}
