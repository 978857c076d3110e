package io.mkcnn.bench;

import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.Precision;
import io.mkcnn.model.MacCounter;
import io.mkcnn.model.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The machine's ceilings the benchmark measures its rows against, and the training bound they give. */
final class Ceilings {
    /** Training costs about three forward passes: forward, gradient w.r.t. inputs and w.r.t. weights. */
    static final double TRAIN_MACS_FACTOR = 3.0;

    private Ceilings() {
    }

    /** Training throughput bound from a ceiling: GFLOP/s / (2 flops per MAC * 3 passes * MACs per example). */
    static double bound(double gflops, boolean factorised) {
        return gflops * 1e9 / (2 * TRAIN_MACS_FACTOR * MacCounter.forward(NetworkSpec.cifar(factorised)));
    }

    /**
     * The project's oneDNN convolution kernels on the network's largest convolution (7x7, 64 to 64 channels,
     * 12x12, batch 64, channels-last): forward, backward data and backward weights in turn, the best of several timed
     * runs after a warm-up, as 2 flops per multiply-accumulate of the three passes per second.
     */
    static double convGflops(Precision precision, int reps) {
        int n = 64;
        ConvGeometry g = ConvGeometry.same(64, 64, 7, 7);
        INDArray w = Nd4j.rand(DataType.FLOAT, 64, 64, 7, 7);
        INDArray dw = Nd4j.create(DataType.FLOAT, 64, 64, 7, 7);
        double best = 0;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 12, 12, 64);
        INDArray y = Nd4j.create(DataType.FLOAT, n, 12, 12, 64);
        INDArray dx = Nd4j.create(DataType.FLOAT, n, 12, 12, 64);
        try (DnnlConvolution k = new DnnlConvolution(g, false, precision, true)) {
            for (int i = 0; i < 3; i++) {
                k.forward(x, w, null, y);
                k.backward(x, w, y, dx, dw, null);
            }
            for (int r = 0; r < Math.max(5, reps * 2); r++) {
                long s = System.nanoTime();
                for (int i = 0; i < 4; i++) {
                    k.forward(x, w, null, y);
                    k.backward(x, w, y, dx, dw, null);
                }
                double seconds = (System.nanoTime() - s) / 1e9;
                best = Math.max(best, 4 * 3 * 2.0 * n * g.macs(12, 12) / seconds / 1e9);
            }
        }
        return best;
    }

    /** ND4J's float32 matrix multiply (2048x2048): the best of several timed runs after a warm-up. */
    static double matmulGflops(int reps) {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double best = 0;
        for (int i = 0; i < 3; i++) {
            a.mmuli(b, c);
        }
        for (int i = 0; i < Math.max(5, reps * 2); i++) {
            long s = System.nanoTime();
            a.mmuli(b, c);
            best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - s) / 1e9) / 1e9);
        }
        return best;
    }
}
