// Prints real JVM stack traces into files, the fixtures of tests/jvm.rs.
//
// Regenerate (Java 17; the diagnostic flags make lambda and LambdaForm hidden
// frames visible, as a JVM started with them would print them):
//
//   cd crates/stacktrace/tests
//   java -XX:+UnlockDiagnosticVMOptions -XX:+ShowHiddenFrames java/TraceFixtures.java data/jvm
//
// Line numbers in the traces refer to this file: after editing it, regenerate
// the fixtures and update the line numbers asserted in tests/jvm.rs.

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

public class TraceFixtures {

    /** A checked exception of the "job", declared as a nested class. */
    static class JobException extends Exception {
        JobException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A resource whose close() fails. */
    static class Resource implements AutoCloseable {
        private final String name;
        private final boolean causeOnClose;

        Resource(String name, boolean causeOnClose) {
            this.name = name;
            this.causeOnClose = causeOnClose;
        }

        @Override
        public void close() throws IOException {
            if (causeOnClose) {
                throw new IOException("close " + name, new IllegalStateException("socket already closed"));
            }
            throw new IOException("close " + name);
        }
    }

    static String render(Throwable t) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        t.printStackTrace(ps);
        ps.flush();
        return out.toString(StandardCharsets.UTF_8);
    }

    static Throwable capture(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("did not throw");
    }

    // --- scenarios ---------------------------------------------------------

    static void parseRecord(String s) {
        Integer.parseInt(s);
    }

    static Throwable simple() {
        return capture(() -> parseRecord("not-a-number"));
    }

    static void loadState() throws IOException {
        throw new IOException("checkpoint file missing: /ckpt/chk-42/_metadata");
    }

    static void restore() throws JobException {
        try {
            loadState();
        } catch (IOException e) {
            throw new JobException("restore failed", e);
        }
    }

    static Throwable nestedCauses() {
        return capture(() -> {
            try {
                restore();
            } catch (JobException e) {
                throw new RuntimeException("job failed", e);
            }
        });
    }

    static Throwable nullMessage() {
        return capture(() -> {
            RuntimeException inner = new RuntimeException();
            throw new IllegalStateException(inner);
        });
    }

    static Throwable multilineMessage() {
        return capture(() -> {
            throw new IllegalArgumentException(
                    "bad config:\n  key: parallelism\n  value: -1\ntrailing: line", new NullPointerException());
        });
    }

    static void useResources() throws IOException {
        try (Resource a = new Resource("a", false); Resource b = new Resource("b", true)) {
            throw new IOException("write failed", new IllegalStateException("buffer full"));
        }
    }

    static Throwable suppressed() {
        return capture(() -> {
            try {
                useResources();
            } catch (IOException e) {
                e.addSuppressed(new UncheckedIOException("cleanup", new IOException("disk gone")));
                throw new RuntimeException("task failed", e);
            }
        });
    }

    static Throwable circular() {
        Exception a = new Exception("outer");
        Exception b = new Exception("middle");
        Exception c = new Exception("inner");
        a.initCause(b);
        b.initCause(c);
        c.initCause(b); // b -> c -> b
        Exception s = new Exception("suppressed loop");
        s.initCause(a);
        a.addSuppressed(s); // a suppressed of a whose cause is a
        return a;
    }

    static Throwable lambdaHidden() {
        return capture(() -> {
            Supplier<Integer> sup = () -> List.of(1, 2, 3).stream()
                    .map(i -> 10 / (i - 2))
                    .reduce(0, Integer::sum);
            sup.get();
        });
    }

    static Throwable innerClasses() {
        return capture(new Runnable() {
            @Override
            public void run() {
                Object o = "string";
                Integer i = (Integer) o;
                System.out.println(i);
            }
        });
    }

    static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    static Throwable stackOverflow() {
        return capture(() -> recurse(0));
    }

    static String uncaughtInThread() throws InterruptedException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.err;
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Thread t = new Thread(() -> {
                throw new IllegalStateException("worker died: state=FAILED");
            }, "Source: Kafka (1/4)#0");
            t.start();
            t.join();
        } finally {
            System.err.flush();
            System.setErr(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String logged(Throwable first, Throwable second) {
        return "2024-05-01 10:00:00,120 INFO  org.apache.flink.runtime.taskmanager.Task [] - Map (1/1)#0 switched from INITIALIZING to RUNNING.\n"
                + "2024-05-01 10:00:00,123 WARN  org.apache.flink.runtime.taskmanager.Task [] - Map (1/1)#0 (a1b2c3) switched from RUNNING to FAILED with failure cause:\n"
                + render(first)
                + "2024-05-01 10:00:00,456 INFO  org.apache.flink.runtime.taskmanager.Task [] - Freeing task resources for Map (1/1)#0.\n"
                + "2024-05-01 10:00:01,000 ERROR org.apache.flink.runtime.taskmanager.Task [] - second failure\n"
                + render(second);
    }

    static String timestamped(String text) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            sb.append(String.format("2024-05-01T10:00:%02d.%09dZ ", i / 10, 123456789 + i)).append(line).append("\r\n");
            i++;
        }
        return sb.toString();
    }

    static void write(Path dir, String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Files.createDirectories(dir);
        write(dir, "simple.txt", render(simple()));
        write(dir, "nested_causes.txt", render(nestedCauses()));
        write(dir, "null_message.txt", render(nullMessage()));
        write(dir, "multiline_message.txt", render(multilineMessage()));
        write(dir, "suppressed.txt", render(suppressed()));
        write(dir, "circular.txt", render(circular()));
        write(dir, "lambda_hidden.txt", render(lambdaHidden()));
        write(dir, "inner_classes.txt", render(innerClasses()));
        write(dir, "stack_overflow.txt", render(stackOverflow()));
        write(dir, "uncaught_thread.txt", uncaughtInThread());
        write(dir, "logged.txt", logged(nestedCauses(), simple()));
        write(dir, "kubectl_timestamps.txt", timestamped(render(suppressed())));
    }
}
