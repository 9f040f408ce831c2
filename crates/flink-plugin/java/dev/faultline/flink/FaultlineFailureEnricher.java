package dev.faultline.flink;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.core.failure.FailureEnricher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Labels Flink failures with Faultline's WebAssembly classifier chain (blame, category,
 * chain-version and the chain's other keys). Safety first: the Throwable is converted and
 * classified on the enricher's IO executor, never on the JobMaster's main thread; a
 * classification that misses its deadline, fails, or finds the native library or chain
 * missing answers no labels (logged). Labels never change Flink's restart decisions.
 */
public final class FaultlineFailureEnricher implements FailureEnricher {
    private static final Logger LOG = LoggerFactory.getLogger(FaultlineFailureEnricher.class);

    /** The chain directory; default: {@code chain/} next to the plugin jar. */
    public static final ConfigOption<String> CHAIN_DIR =
            ConfigOptions.key("faultline.chain-dir").stringType().noDefaultValue();

    /** The native library; default: the platform's faultline_jni library next to the jar. */
    public static final ConfigOption<String> NATIVE_LIBRARY =
            ConfigOptions.key("faultline.native-library").stringType().noDefaultValue();

    /** How long a failure may wait for its labels before it gets none. */
    public static final ConfigOption<Duration> DEADLINE =
            ConfigOptions.key("faultline.deadline")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100));

    /** Label keys of the chain's own beyond blame, category and chain-version. */
    public static final ConfigOption<List<String>> OUTPUT_KEYS =
            ConfigOptions.key("faultline.output-keys")
                    .stringType()
                    .asList()
                    .defaultValues();

    /** Package prefixes that are user code when the user class loader cannot tell. */
    public static final ConfigOption<List<String>> USER_PACKAGES =
            ConfigOptions.key("faultline.user-packages")
                    .stringType()
                    .asList()
                    .defaultValues();

    /** Where compiled filters are cached; the engine's default (~/.cache/faultline/wasm) when unset. */
    public static final ConfigOption<String> CACHE_DIR =
            ConfigOptions.key("faultline.cache-dir").stringType().noDefaultValue();

    /**
     * How long the chain directory must be quiet after a change before the chain reloads (the
     * writer gets to finish); 0 turns reloading off.
     */
    public static final ConfigOption<Duration> RELOAD_INTERVAL =
            ConfigOptions.key("faultline.reload-interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200));

    /** Classifications running at once; a failure beyond that gets no labels at once. */
    public static final ConfigOption<Integer> MAX_IN_FLIGHT =
            ConfigOptions.key("faultline.max-in-flight").intType().defaultValue(4);

    /** This cluster's name in Faultline (the record's context.cluster). */
    public static final ConfigOption<String> CLUSTER =
            ConfigOptions.key("faultline.cluster").stringType().noDefaultValue();

    /** The keys every chain can answer. */
    static final List<String> BASE_KEYS = Arrays.asList("blame", "category", "chain-version");

    private static final Map<String, String> NONE = Collections.emptyMap();

    private final Set<String> outputKeys;
    private final long deadlineMillis;
    private final Semaphore inFlight;
    private final String cluster;
    /** The native handle, 0 until the chain is open (or for good when it cannot be). */
    private volatile long handle;

    FaultlineFailureEnricher(Configuration configuration) {
        Set<String> keys = new LinkedHashSet<>(BASE_KEYS);
        for (String k : configuration.get(OUTPUT_KEYS)) {
            if (!k.trim().isEmpty()) {
                keys.add(k.trim());
            }
        }
        this.outputKeys = Collections.unmodifiableSet(keys);
        this.deadlineMillis = Math.max(1, configuration.get(DEADLINE).toMillis());
        this.inFlight = new Semaphore(Math.max(1, configuration.get(MAX_IN_FLIGHT)));
        this.cluster = configuration.get(CLUSTER);
        // Flink creates every installed enricher and then keeps the configured ones: load
        // the native side only when this one is configured.
        String enabled = configuration.get(JobManagerOptions.FAILURE_ENRICHERS_LIST);
        boolean configured =
                enabled != null
                        && Arrays.stream(enabled.split(","))
                                .map(String::trim)
                                .anyMatch(getClass().getName()::equals);
        if (configured) {
            // Loading compiles the chain's filters (seconds when not cached): off the
            // JobManager's start-up path. Failures before it is ready get no labels.
            Thread init = new Thread(() -> open(configuration), "faultline-init");
            init.setDaemon(true);
            init.start();
        }
    }

    private void open(Configuration configuration) {
        try {
            Path home = pluginDir();
            String lib =
                    configuration
                            .getOptional(NATIVE_LIBRARY)
                            .orElseGet(
                                    () ->
                                            home.resolve(System.mapLibraryName("faultline_jni"))
                                                    .toString());
            String chain =
                    configuration
                            .getOptional(CHAIN_DIR)
                            .orElseGet(() -> home.resolve("chain").toString());
            if (!Files.isRegularFile(Paths.get(lib))) {
                LOG.error(
                        "Faultline: native library {} not found (set faultline.native-library); failures get no labels",
                        lib);
                return;
            }
            NativeChain.load(lib);
            StringBuilder options = new StringBuilder("{");
            options.append("\"reload-interval-ms\":")
                    .append(configuration.get(RELOAD_INTERVAL).toMillis());
            options.append(",\"user-packages\":[");
            List<String> packages = configuration.get(USER_PACKAGES);
            for (int i = 0; i < packages.size(); i++) {
                if (i > 0) {
                    options.append(',');
                }
                FailureRecords.string(options, packages.get(i).trim());
            }
            options.append(']');
            String cache = configuration.get(CACHE_DIR);
            if (cache != null) {
                options.append(",\"cache-dir\":");
                FailureRecords.string(options, cache);
            }
            options.append('}');
            long opened = NativeChain.open(chain, options.toString());
            handle = opened;
            LOG.info(
                    "Faultline chain ready: {} version {} (native library {} {}), output keys {}",
                    chain,
                    NativeChain.chainVersion(opened),
                    lib,
                    NativeChain.version(),
                    outputKeys);
        } catch (Throwable t) {
            // Nothing here may take the JobManager down: no labels is the worst outcome.
            LOG.error("Faultline: cannot open the classifier chain; failures get no labels", t);
        }
    }

    /** The directory of the plugin jar. */
    private static Path pluginDir() throws Exception {
        File jar =
                new File(
                        FaultlineFailureEnricher.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI());
        return jar.toPath().toAbsolutePath().getParent();
    }

    @Override
    public Set<String> getOutputKeys() {
        return outputKeys;
    }

    @Override
    public CompletableFuture<Map<String, String>> processFailure(Throwable cause, Context context) {
        long h = handle;
        if (h == 0) {
            return CompletableFuture.completedFuture(NONE);
        }
        if (!inFlight.tryAcquire()) {
            LOG.warn("Faultline: too many classifications in flight; this failure gets no labels");
            return CompletableFuture.completedFuture(NONE);
        }
        CompletableFuture<Map<String, String>> result = new CompletableFuture<>();
        long started = System.nanoTime();
        Executor io = context.getIOExecutor();
        try {
            io.execute(
                    () -> {
                        try {
                            if (!result.isDone()) {
                                Map<String, String> labels = classify(h, cause, context);
                                if (result.complete(labels)) {
                                    LOG.info(
                                            "Faultline labelled a failure of job {} in {} us: {}",
                                            jobId(context),
                                            (System.nanoTime() - started) / 1000,
                                            labels);
                                }
                            }
                        } catch (Throwable t) {
                            LOG.error("Faultline: classification failed; no labels", t);
                            result.complete(NONE);
                        } finally {
                            inFlight.release();
                        }
                    });
        } catch (RejectedExecutionException e) {
            inFlight.release();
            LOG.warn("Faultline: IO executor refused the classification; no labels", e);
            return CompletableFuture.completedFuture(NONE);
        }
        CompletableFuture.delayedExecutor(deadlineMillis, TimeUnit.MILLISECONDS)
                .execute(
                        () -> {
                            if (result.complete(NONE)) {
                                LOG.warn(
                                        "Faultline: no labels within the {} ms deadline; the failure gets none",
                                        deadlineMillis);
                            }
                        });
        return result;
    }

    private static String jobId(Context context) {
        try {
            return String.valueOf(context.getJobInfo().getJobId());
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private Map<String, String> classify(long h, Throwable cause, Context context) {
        String record = FailureRecords.toJson(cause, context, cluster);
        String[] pairs = NativeChain.classify(h, record);
        Map<String, String> labels = new HashMap<>();
        for (int i = 0; pairs != null && i + 1 < pairs.length; i += 2) {
            // Flink drops (and warns about) undeclared keys: keep only declared ones.
            if (outputKeys.contains(pairs[i])) {
                labels.put(pairs[i], pairs[i + 1]);
            }
        }
        return labels;
    }
}
