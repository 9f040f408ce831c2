package com.acme.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/** A recursive walk over a nested record; one record is nested very deeply: StackOverflowError. */
public class DeepRecursion {
    static final class Node {
        final Node child;

        Node(Node child) {
            this.child = child;
        }
    }

    static Node nested(long depth) {
        Node n = null;
        for (long i = 0; i < depth; i++) {
            n = new Node(n);
        }
        return n;
    }

    public static class Depth implements MapFunction<Long, Integer> {
        static int depth(Node n) {
            return n == null ? 0 : 1 + depth(n.child);
        }

        @Override
        public Integer map(Long v) {
            return depth(nested(v == 30 ? 5_000_000 : v));
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 100).map(new Depth()).sinkTo(new DiscardingSink<>());
        env.execute("deep-recursion");
    }
}
