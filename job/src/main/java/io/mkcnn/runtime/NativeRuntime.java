package io.mkcnn.runtime;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.Precision;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J/DL4J settings that must hold in every JVM that trains (driver and executors): oneDNN layer helpers on,
 * and the native thread pools sized to the cores this JVM may use.
 *
 * <p>DL4J reads {@value #HELPERS_DISABLE_PROPERTY} each time it creates a layer, and disables helpers unless it
 * is "false"; setting it here (before any network is built) works even when the JVM option is missing.
 */
public final class NativeRuntime {
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    /** DL4J-Spark's timing code defaults to an NTP time source, which fails without internet access. */
    public static final String TIME_SOURCE_PROPERTY = "org.deeplearning4j.spark.time.TimeSource";
    private static final Logger LOG = LoggerFactory.getLogger(NativeRuntime.class);
    private static int configuredThreads = -1;
    private static Precision precision;

    private NativeRuntime() {
    }

    /**
     * Enables the oneDNN helpers and sets the calling thread's native (OpenMP) thread count, which ND4J's and the
     * project's oneDNN kernels use for the work this thread starts. OpenMP keeps the count per thread, so every
     * thread that trains (each Spark task thread) calls this itself.
     *
     * @param threads native threads; {@code <= 0} means the task's cores ({@code spark.task.cpus}) inside a Spark
     *     task, and all available processors elsewhere (the driver)
     */
    public static synchronized void configure(int threads) {
        System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        if (System.getProperty(TIME_SOURCE_PROPERTY) == null) {
            System.setProperty(TIME_SOURCE_PROPERTY, "org.deeplearning4j.spark.time.SystemClockTimeSource");
        }
        Nd4j.getExecutioner(); // loads the backend; NativeOpsHolder needs its properties
        TaskContext task = TaskContext.get();
        int n = threads > 0 ? threads : task != null ? task.cpus() : Runtime.getRuntime().availableProcessors();
        // ND4J starts its OpenMP pool with 4 threads whatever OMP_NUM_THREADS says (and its Environment's
        // setMaxThreads does not change that); size it to the cores this thread may use.
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
        if (n != configuredThreads) {
            configuredThreads = n;
            LOG.info("ND4J native threads={} oneDNN={} helpers={}{}", n, oneDnnAvailable(), helpersUsable(),
                    task != null ? " (Spark task, " + task.cpus() + " cpus)" : "");
        }
    }

    /**
     * Chooses the convolutions' precision for this JVM (networks built afterwards use it) and logs the choice.
     *
     * @throws io.mkcnn.kernels.UnsupportedPrecisionException when {@code bf16} is asked for on a CPU without bf16 instructions
     */
    public static synchronized Precision configurePrecision(Precision requested) {
        Precision chosen = requested.resolve(Dnnl.isa());
        if (chosen != precision) {
            LOG.info("convolution precision={} (model.precision={}, oneDNN {} isa={})", chosen, requested,
                    Dnnl.version(), Dnnl.isa());
            precision = chosen;
        }
        return chosen;
    }

    /** The convolutions' precision in this JVM: as configured, else what {@code auto} picks on this CPU. */
    public static synchronized Precision precision() {
        return precision != null ? precision : configurePrecision(Precision.AUTO);
    }

    /** Whether the loaded ND4J native library was built with oneDNN and has it switched on. */
    public static boolean oneDnnAvailable() {
        return Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }

    /** Whether DL4J will attach oneDNN helpers to new layers (the check DL4J itself runs). */
    public static boolean helpersUsable() {
        return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY, "true"))
                && BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** OpenMP threads ND4J's native operations use. */
    public static int threads() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /** A one-line description of the native backend, for logs and reports. */
    public static String describe() {
        return "threads=" + threads() + " oneDNN=" + oneDnnAvailable()
                + " helpers=" + helpersUsable();
    }
}
