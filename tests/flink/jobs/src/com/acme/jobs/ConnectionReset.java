package com.acme.jobs;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** Sends a request to a service that resets the connection (SO_LINGER 0) instead of answering. Arguments: host, port. */
public class ConnectionReset {
    public static class Call extends RichMapFunction<Long, Integer> {
        private final String host;
        private final int port;

        Call(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public Integer map(Long v) throws Exception {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /session/" + v + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = s.getInputStream();
                return in.read(new byte[1024]);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Call(args[0], Integer.parseInt(args[1]))).sinkTo(new DiscardingSink<>());
        env.execute("connection-reset");
    }
}
