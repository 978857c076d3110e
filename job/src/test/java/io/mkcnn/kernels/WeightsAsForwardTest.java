package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weights' gradient computed as a forward convolution ({@link ConvPasses#weightsAsForward}) against oneDNN's
 * backward-weights pass, for the kernel shapes of both models, uneven sides and both precisions, with float32 and
 * bf16 activation arrays: the same sums in another order.
 */
class WeightsAsForwardTest {

    private static INDArray weightGradient(boolean asForward, ConvGeometry g, Precision p, INDArray x, INDArray dy,
                                           ConvActivations types) {
        DnnlConvolution.weightsAsForward = asForward;
        try (DnnlConvolution k = new DnnlConvolution(g, false, p, true, types)) {
            INDArray w = Nd4j.zeros(DataType.FLOAT, g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW());
            INDArray dw = Nd4j.createUninitialized(DataType.FLOAT, w.shape());
            k.backward(x, w, dy, null, dw, null);
            return dw;
        } finally {
            DnnlConvolution.weightsAsForward = null;
        }
    }

    private static void compare(Precision p, DataType act) {
        Nd4j.getRandom().setSeed(11);
        List<String> failures = new ArrayList<>();
        int[][] kernels = {{7, 7}, {5, 5}, {3, 3}, {1, 1}, {7, 1}, {1, 7}, {3, 1}, {1, 3}, {2, 2}};
        ConvActivations types = new ConvActivations(act, DataType.FLOAT, act, DataType.FLOAT);
        for (int[] kk : kernels) {
            ConvGeometry g = ConvGeometry.same(16, 32, kk[0], kk[1]);
            INDArray x = Nd4j.randn(DataType.FLOAT, 5, 9, 7, 16).castTo(act);
            INDArray dy = Nd4j.randn(DataType.FLOAT, 5, 9, 7, 32).castTo(act);
            INDArray direct = weightGradient(false, g, p, x, dy, types);
            INDArray forward = weightGradient(true, g, p, x, dy, types);
            double rel = direct.sub(forward).norm2Number().doubleValue() / direct.norm2Number().doubleValue();
            if (!(rel <= 1e-5)) {
                failures.add(kk[0] + "x" + kk[1] + ": " + rel);
            }
        }
        assertTrue(failures.isEmpty(), p + " " + act + ": relative differences " + failures);
    }

    @Test
    void equalsTheBackwardWeightsPassInFp32() {
        compare(Precision.FP32, DataType.FLOAT);
    }

    @Test
    void equalsTheBackwardWeightsPassInBf16() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Dnnl.isa().hasBf16(), "no bf16 instructions: " + Dnnl.isa());
        compare(Precision.BF16, DataType.FLOAT);
        compare(Precision.BF16, DataType.BFLOAT16);
    }
}
