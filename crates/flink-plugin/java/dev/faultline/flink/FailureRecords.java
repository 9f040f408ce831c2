package dev.faultline.flink;

import org.apache.flink.core.failure.FailureEnricher;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Throwable as Faultline's failure record (JSON, the serde form of
 * faultline_model::FailureRecord): a flat list, parents before children, each with its
 * frames and their origin where the user class loader tells it exactly. Cycle-safe and
 * bounded: a deep cause chain keeps its head and its root-cause end.
 */
final class FailureRecords {
    /** Throwables of the Caused-by spine kept (half from the top, half from the root cause). */
    static final int MAX_SPINE = 64;
    /** Throwables kept in all. */
    static final int MAX_THROWABLES = 128;
    /** Frames kept per throwable (innermost first). */
    static final int MAX_FRAMES = 256;
    /** Characters kept of a message (its start and its end). */
    static final int MAX_MESSAGE = 16384;
    /** How far a cause chain is followed looking for its end. */
    static final int MAX_WALK = 100_000;

    private FailureRecords() {}

    private static final class Node {
        final Throwable t;
        final int parent;
        final String relation;
        final boolean circular;

        Node(Throwable t, int parent, String relation, boolean circular) {
            this.t = t;
            this.parent = parent;
            this.relation = relation;
            this.circular = circular;
        }
    }

    /** The record of {@code cause} with the context Flink gives. */
    static String toJson(Throwable cause, FailureEnricher.Context context, String cluster) {
        boolean[] truncated = {false};
        List<Node> nodes = flatten(cause, truncated);
        Origins origins = new Origins(context.getUserClassLoader());
        StringBuilder json = new StringBuilder(4096);
        json.append("{\"context\":{");
        boolean first = true;
        if (cluster != null && !cluster.isEmpty()) {
            json.append("\"cluster\":");
            string(json, cluster);
            first = false;
        }
        try {
            if (context.getJobInfo() != null) {
                if (!first) {
                    json.append(',');
                }
                json.append("\"job_id\":");
                string(json, String.valueOf(context.getJobInfo().getJobId()));
                json.append(",\"job_name\":");
                string(json, context.getJobInfo().getJobName());
                first = false;
            }
        } catch (RuntimeException e) {
            // Context details are a bonus; the failure itself is what matters.
        }
        if (!first) {
            json.append(',');
        }
        json.append("\"failure_type\":");
        string(json, failureType(context.getFailureType()));
        json.append(",\"timestamp_ms\":").append(System.currentTimeMillis());
        json.append("},\"throwables\":[");
        for (int i = 0; i < nodes.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            throwable(json, nodes.get(i), origins);
        }
        json.append(']');
        if (truncated[0]) {
            json.append(",\"truncated\":true");
        }
        json.append('}');
        return json.toString();
    }

    static String failureType(FailureEnricher.Context.FailureType type) {
        if (type == null) {
            return "unknown";
        }
        switch (type) {
            case GLOBAL:
                return "global";
            case TASK:
                return "task";
            case TASK_MANAGER:
                return "task-manager";
            default:
                return "unknown";
        }
    }

    /** The spine first (cut to its head and root-cause end), then suppressed subtrees breadth first. */
    static List<Node> flatten(Throwable root, boolean[] truncated) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> spine = new ArrayList<>();
        Throwable t = root;
        while (t != null && spine.size() < MAX_WALK && seen.add(t)) {
            spine.add(t);
            t = t.getCause();
        }
        Throwable circularEnd = t != null && seen.contains(t) ? t : null;
        if (spine.size() > MAX_SPINE) {
            List<Throwable> kept = new ArrayList<>(spine.subList(0, MAX_SPINE / 2));
            kept.addAll(spine.subList(spine.size() - MAX_SPINE / 2, spine.size()));
            spine = kept;
            truncated[0] = true;
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < spine.size(); i++) {
            nodes.add(new Node(spine.get(i), i - 1, i == 0 ? "root" : "cause", false));
        }
        if (circularEnd != null) {
            nodes.add(new Node(circularEnd, nodes.size() - 1, "cause", true));
        }
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            queue.add(i);
        }
        while (!queue.isEmpty()) {
            int parent = queue.poll();
            Node p = nodes.get(parent);
            if (p.circular) {
                continue;
            }
            Throwable[] suppressed;
            try {
                suppressed = p.t.getSuppressed();
            } catch (RuntimeException e) {
                continue;
            }
            for (Throwable s : suppressed) {
                if (nodes.size() >= MAX_THROWABLES) {
                    truncated[0] = true;
                    return nodes;
                }
                boolean again = !seen.add(s);
                nodes.add(new Node(s, parent, "suppressed", again));
                if (!again) {
                    queue.add(nodes.size() - 1);
                    // A suppressed exception's own causes hang below it, one by one.
                    int at = nodes.size() - 1;
                    Throwable c = s.getCause();
                    while (c != null && nodes.size() < MAX_THROWABLES) {
                        boolean cycle = !seen.add(c);
                        nodes.add(new Node(c, at, "cause", cycle));
                        if (cycle) {
                            break;
                        }
                        at = nodes.size() - 1;
                        queue.add(at);
                        c = c.getCause();
                    }
                }
            }
        }
        return nodes;
    }

    private static void throwable(StringBuilder json, Node node, Origins origins) {
        Throwable t = node.t;
        json.append("{\"class\":");
        string(json, t.getClass().getName());
        String message;
        try {
            message = t.getMessage();
        } catch (RuntimeException e) {
            // A user exception whose getMessage throws must not lose the whole record.
            message = null;
        }
        if (message != null) {
            json.append(",\"message\":");
            string(json, cut(message));
        }
        if (node.parent >= 0) {
            json.append(",\"parent\":").append(node.parent);
        }
        json.append(",\"relation\":\"").append(node.relation).append('"');
        if (node.circular) {
            json.append(",\"circular\":true}");
            return;
        }
        StackTraceElement[] frames = t.getStackTrace();
        json.append(",\"frames\":[");
        int n = Math.min(frames.length, MAX_FRAMES);
        for (int i = 0; i < n; i++) {
            StackTraceElement f = frames[i];
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"class\":");
            string(json, f.getClassName());
            json.append(",\"method\":");
            string(json, f.getMethodName());
            if (f.getFileName() != null) {
                json.append(",\"file\":");
                string(json, f.getFileName());
            }
            if (f.getLineNumber() >= 0) {
                json.append(",\"line\":").append(f.getLineNumber());
            }
            if (f.isNativeMethod()) {
                json.append(",\"native\":true");
            }
            if (origins.isUser(f.getClassName())) {
                json.append(",\"origin\":\"user\"");
            }
            json.append('}');
        }
        json.append(']');
        if (frames.length > n) {
            json.append(",\"frames_omitted\":").append(frames.length - n);
        }
        json.append('}');
    }

    /** A long message keeps a quarter from its start and the rest from its end. */
    static String cut(String message) {
        if (message.length() <= MAX_MESSAGE) {
            return message;
        }
        int head = MAX_MESSAGE / 4;
        return message.substring(0, head)
                + "\n[...]\n"
                + message.substring(message.length() - (MAX_MESSAGE - head));
    }

    /** Appends {@code s} as a JSON string. */
    static void string(StringBuilder json, String s) {
        if (s == null) {
            json.append("null");
            return;
        }
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    json.append("\\\"");
                    break;
                case '\\':
                    json.append("\\\\");
                    break;
                case '\n':
                    json.append("\\n");
                    break;
                case '\r':
                    json.append("\\r");
                    break;
                case '\t':
                    json.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c)
                            && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        json.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        // A lone surrogate is no text: the JSON reader would refuse the record.
                        json.append('\ufffd');
                    } else {
                        json.append(c);
                    }
            }
        }
        json.append('"');
    }

    /**
     * Whether a class is the job's own code, decided by the user code class loader: the
     * class file it resolves lies in one of that loader's own jars or directories (not
     * Flink's lib/ or the JDK). Classes it cannot tell are left to Faultline's prefix rules.
     */
    static final class Origins {
        /** Classes decided so far per user class loader (a job keeps its loader across restarts). */
        private static final Map<ClassLoader, Map<String, Boolean>> DECIDED = new WeakHashMap<>();
        /** Classes remembered per loader; a job with more is decided afresh past this. */
        private static final int MAX_DECIDED = 20_000;

        private final ClassLoader loader;
        private final List<String> roots = new ArrayList<>();
        private final Map<String, Boolean> cache;

        Origins(ClassLoader loader) {
            this.loader = loader;
            Map<String, Boolean> decided = new ConcurrentHashMap<>();
            if (loader != null) {
                synchronized (DECIDED) {
                    decided = DECIDED.computeIfAbsent(loader, l -> new ConcurrentHashMap<>());
                }
            }
            this.cache = decided;
            if (loader instanceof URLClassLoader) {
                try {
                    for (URL url : ((URLClassLoader) loader).getURLs()) {
                        String u = url.toString();
                        roots.add(u.endsWith("/") ? u : "jar:" + u + "!/");
                    }
                } catch (RuntimeException e) {
                    // A job's class loader that is already closed refuses: origins unknown.
                }
            }
        }

        boolean isUser(String className) {
            if (roots.isEmpty() || className == null) {
                return false;
            }
            String outer = outerClass(className);
            Boolean known = cache.get(outer);
            if (known != null) {
                return known;
            }
            boolean user = false;
            try {
                URL url = loader.getResource(outer.replace('.', '/') + ".class");
                if (url != null) {
                    String u = url.toString();
                    for (String root : roots) {
                        if (u.startsWith(root)) {
                            user = true;
                            break;
                        }
                    }
                }
            } catch (RuntimeException e) {
                user = false;
            }
            if (cache.size() < MAX_DECIDED) {
                cache.put(outer, user);
            }
            return user;
        }

        /** {@code a.B$C$$Lambda/0x01} → {@code a.B}: hidden, nested and lambda classes have no class file of their own. */
        static String outerClass(String className) {
            String base = className;
            int slash = base.indexOf('/');
            if (slash >= 0) {
                base = base.substring(0, slash);
            }
            int simple = base.lastIndexOf('.') + 1;
            int dollar = base.indexOf('$', simple);
            return dollar > simple ? base.substring(0, dollar) : base;
        }
    }
}
