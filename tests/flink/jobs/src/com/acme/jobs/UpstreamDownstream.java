package com.acme.jobs;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A healthy endless job whose upstream (source, map) and downstream (keyed map, sink) are in
 * different slot sharing groups, so on two one-slot TaskManagers they run on different machines
 * and exchange records over Flink's network stack.
 */
public class UpstreamDownstream {
    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).slotSharingGroup("upstream")
                .map(new Steady.Pace()).name("upstream-pace").slotSharingGroup("upstream")
                .keyBy(v -> v % 10)
                .map(v -> v + 1).name("downstream-map").slotSharingGroup("downstream")
                .sinkTo(new DiscardingSink<>()).slotSharingGroup("downstream");
        env.execute("upstream-downstream");
    }
}
