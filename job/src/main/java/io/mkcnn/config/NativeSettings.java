package io.mkcnn.config;

import io.mkcnn.kernels.Precision;
import io.mkcnn.model.Engine;
import io.mkcnn.runtime.NativeRuntime;
import java.io.Serializable;
import java.util.Objects;

/**
 * What every JVM that runs the network applies before building it: native threads ({@code runtime.threads}), the
 * convolutions' precision ({@code model.precision}) and what runs a training step ({@code model.engine}).
 * Travels to executors with the work (a class, not a record: Spark's Kryo cannot write records' fields).
 */
public final class NativeSettings implements Serializable {
    private final int threads;
    private final Precision precision;
    private final Engine engine;

    /**
     * @param threads native threads; 0 means the Spark task's cores inside a task, all processors elsewhere
     * @param precision the requested precision ({@code auto} is resolved per JVM)
     */
    public NativeSettings(int threads, Precision precision) {
        this(threads, precision, Engine.FUSED);
    }

    /** @param engine what runs a training step where the network trains */
    public NativeSettings(int threads, Precision precision, Engine engine) {
        this.threads = threads;
        this.precision = Objects.requireNonNull(precision, "precision");
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /** Defaults: threads from the context, precision chosen per CPU. */
    public static NativeSettings defaults() {
        return new NativeSettings(0, Precision.AUTO);
    }

    /**
     * Applies the settings in the calling thread: its native (OpenMP) thread count, and the JVM's convolution
     * precision ({@link NativeRuntime#configure}, {@link NativeRuntime#configurePrecision}).
     *
     * @throws io.mkcnn.kernels.UnsupportedPrecisionException when {@code bf16} is asked for on a CPU without it
     */
    public void apply() {
        NativeRuntime.configure(threads);
        NativeRuntime.configurePrecision(precision);
    }

    public int threads() {
        return threads;
    }

    public Precision precision() {
        return precision;
    }

    public Engine engine() {
        return engine;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NativeSettings s && s.threads == threads && s.precision == precision && s.engine == engine;
    }

    @Override
    public int hashCode() {
        return Objects.hash(threads, precision, engine);
    }

    @Override
    public String toString() {
        return "threads=" + threads + " precision=" + precision + " engine=" + engine;
    }
}
