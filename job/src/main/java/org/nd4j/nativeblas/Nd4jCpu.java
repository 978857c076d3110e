package org.nd4j.nativeblas;

/**
 * Compatibility shim for DL4J 1.0.0-M2's oneDNN layer helpers.
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()} by reflection, a class that ND4J
 * M2 moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and whose method it renamed to
 * {@code isUseONEDNN()}. When the lookup fails every helper (convolution, pooling, batch normalisation,
 * concatenation) is discarded and DL4J falls back to its ~10x slower built-in implementations. This class
 * restores the old name and forwards to the new method. {@code io.mkcnn.runtime.NativeRuntime} checks that it works.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old environment entry point, forwarding to ND4J's current one. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
