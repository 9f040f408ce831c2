package dev.faultline.flink;

/**
 * The JNI face of Faultline's Rust classifier (the faultline-jni library). Handles are
 * ids, not pointers: a stale id is an error, never a crash. Every native method turns
 * its errors (and any Rust panic) into an {@link IllegalStateException}.
 */
final class NativeChain {
    private static String loadedFrom;

    private NativeChain() {}

    /**
     * Loads the native library once per class loader; a second path is refused because a
     * JVM binds a native library to one class loader.
     */
    static synchronized void load(String path) {
        if (loadedFrom != null) {
            if (!loadedFrom.equals(path)) {
                throw new IllegalStateException(
                        "native library already loaded from " + loadedFrom + ", not " + path);
            }
            return;
        }
        System.load(path);
        loadedFrom = path;
    }

    /** This library's version. */
    static native String version();

    /** Loads the chain in {@code chainDir} and watches it; options are JSON. */
    static native long open(String chainDir, String optionsJson);

    /** Classifies one failure record (JSON): labels as key, value, key, value, ... */
    static native String[] classify(long handle, String recordJson);

    /** The version (content hash) of the chain in use. */
    static native String chainVersion(long handle);

    /** Forgets a handle. */
    static native void close(long handle);
}
