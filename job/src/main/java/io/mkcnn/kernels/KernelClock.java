package io.mkcnn.kernels;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the kernels' time goes, by stage (a primitive, or the conversions into and out of its layout and
 * precision), for the benchmark's per-layer profile. Off unless {@link #enable}d: a stage then costs one
 * volatile read.
 */
public final class KernelClock {
    public static final String CONVERSION = "conversion (reorder, bf16)";
    public static final String CONV_FORWARD = "convolution forward";
    public static final String CONV_BACKWARD_DATA = "convolution backward data";
    public static final String CONV_BACKWARD_WEIGHTS = "convolution backward weights";
    public static final String BN_FORWARD = "batch norm forward";
    public static final String BN_BACKWARD = "batch norm backward";
    public static final String RELU_FORWARD = "relu forward";
    public static final String RELU_BACKWARD = "relu backward";
    public static final String POOL_FORWARD = "max pooling forward";
    public static final String POOL_BACKWARD = "max pooling backward";
    public static final String CONCAT = "concatenation and split";
    public static final String SUM = "sum";

    private static volatile boolean enabled;
    private static final Map<String, LongAdder> NANOS = new ConcurrentHashMap<>();

    private KernelClock() {
    }

    /** Starts (or stops) accounting; the totals so far are kept until {@link #reset}. */
    public static void enable(boolean on) {
        enabled = on;
    }

    public static void reset() {
        NANOS.clear();
    }

    /** Nanoseconds per stage since the last reset, by stage name. */
    public static Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        NANOS.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** A start time for {@link #stop}, or 0 when the clock is off. */
    static long start() {
        return enabled ? System.nanoTime() : 0;
    }

    static void stop(String stage, long start) {
        if (start != 0) {
            NANOS.computeIfAbsent(stage, k -> new LongAdder()).add(System.nanoTime() - start);
        }
    }
}
