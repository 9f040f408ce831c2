package com.acme.jobs;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * open() "compiles" every rule of a large rule set into its own class, each in its own class loader
 * (so that rules could be reloaded one by one, as with Janino/Groovy rule engines): Metaspace runs
 * out while the rules are loaded.
 */
public class ClassLeak {
    /** The generated rule: many methods, so each copy takes some metaspace. */
    public static class Rule {
        public long a(long x) { return x + 1; }
        public long b(long x) { return a(x) * 2; }
        public long c(long x) { return b(x) - 3; }
        public long d(long x) { return c(x) ^ 4; }
        public long e(long x) { return d(x) + 5; }
        public long f(long x) { return e(x) * 6; }
        public long g(long x) { return f(x) - 7; }
        public long h(long x) { return g(x) ^ 8; }
        public String describe(long x) { return "rule(" + a(x) + "," + b(x) + "," + c(x) + "," + d(x) + ")"; }
        public String explain(long x) { return "because " + e(x) + " > " + f(x) + " and " + g(x) + " < " + h(x); }
    }

    static final class RuleLoader extends ClassLoader {
        RuleLoader(ClassLoader parent) {
            super(parent);
        }

        Class<?> define(byte[] code) {
            return defineClass(Rule.class.getName(), code, 0, code.length);
        }
    }

    public static class Compile extends RichMapFunction<Long, Long> {
        private transient List<Class<?>> rules;

        @Override
        public void open(OpenContext ctx) throws Exception {
            byte[] code;
            try (InputStream in = Rule.class.getResourceAsStream("ClassLeak$Rule.class")) {
                code = in.readAllBytes();
            }
            List<Class<?>> compiled = new ArrayList<>();
            for (int rule = 0; rule < 1_000_000; rule++) {
                Class<?> c = new RuleLoader(getClass().getClassLoader()).define(code);
                c.getMethods(); // link and reflect, as a rules engine would
                compiled.add(c);
            }
            rules = compiled;
        }

        @Override
        public Long map(Long v) {
            return v + rules.size();
        }
    }

    public static void main(String[] args) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSequence(0, Long.MAX_VALUE).map(new Compile()).sinkTo(new DiscardingSink<>());
        env.execute("class-leak");
    }
}
