package com.acme.jobs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * A user record type that is not a POJO (no default constructor, private final fields), so Flink
 * falls back to Kryo for it; its field holds an unmodifiable list, which Kryo can write but not
 * read back. keyBy sends the records over the network, where the receiving task fails to
 * deserialize them: a user-type serialization failure raised entirely in Flink and Kryo frames.
 */
public class KryoUnmodifiable {
    public static final class Reading {
        private final long sensor;
        private final List<String> tags;

        public Reading(long sensor, List<String> tags) {
            this.sensor = sensor;
            this.tags = tags;
        }

        public long sensor() {
            return sensor;
        }

        @Override
        public String toString() {
            return sensor + ":" + tags;
        }
    }

    static Reading read(long v) {
        List<String> tags = new ArrayList<>();
        tags.add("t" + v);
        return new Reading(v, Collections.unmodifiableList(tags));
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, 1000)
                .map(KryoUnmodifiable::read)
                .keyBy(Reading::sensor)
                .map(Reading::toString)
                .sinkTo(new DiscardingSink<>());
        env.execute("kryo-unmodifiable");
    }
}
