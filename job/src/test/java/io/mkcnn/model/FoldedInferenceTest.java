package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.kernels.Precision;
import io.mkcnn.runtime.NativeRuntime;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The folded inference pass gives DL4J's class probabilities: both models, both heads, both layouts, batch 1 and
 * 64, with BN statistics and scales far from their initial values (so that folding them is exercised).
 */
class FoldedInferenceTest {

    private static ComputationGraph net(boolean factorised, Head head, CNN2DFormat layout, DataType type) {
        ModelOptions o = new ModelOptions(head, 1e-3, 0, 0.0, 0.9, 1e-3, 42, type, layout);
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), o);
        Nd4j.getRandom().setSeed(7);
        for (Layer l : net.getLayers()) {
            if (l.paramTable().containsKey("gamma")) {
                long c = l.getParam("gamma").length();
                l.getParam("gamma").assign(Nd4j.rand(type, 1, c).addi(0.5));
                l.getParam("beta").assign(Nd4j.randn(type, 1, c).muli(0.3));
                l.getParam("mean").assign(Nd4j.randn(type, 1, c).muli(0.5));
                l.getParam("log10stdev").assign(Nd4j.rand(type, 1, c).muli(0.4).subi(0.2));
            }
        }
        if (head == Head.LINEAR) {
            net.getLayer("head_conv").getParam("b").assign(Nd4j.randn(type, 1, 10).muli(0.2));
        }
        return net;
    }

    /** Largest difference between DL4J's probabilities and the folded pass's, over every network form. */
    private static double largestDifference(Precision precision, int batch) throws Exception {
        double largest = 0;
        for (boolean factorised : new boolean[] {false, true}) {
            for (Head head : Head.values()) {
                for (CNN2DFormat layout : CNN2DFormat.values()) {
                    ComputationGraph net = net(factorised, head, layout, DataType.FLOAT);
                    INDArray x = Nd4j.randn(DataType.FLOAT, batch, 3, 24, 24);
                    INDArray expected = net.outputSingle(false, x);
                    try (FoldedInference pass = FoldedInference.of(net, precision)) {
                        INDArray got = pass.output(x);
                        assertTrue(java.util.Arrays.equals(expected.shape(), got.shape()));
                        double d = expected.sub(got).amaxNumber().doubleValue();
                        System.out.printf("folded inference, %s, batch %d, factorised=%s head=%s %s: %.2e%n",
                                precision, batch, factorised, head, layout, d);
                        largest = Math.max(largest, d);
                    }
                }
            }
        }
        return largest;
    }

    @Test
    void fp32GivesDl4jsProbabilities() throws Exception {
        NativeRuntime.configurePrecision(Precision.FP32);
        try {
            for (int batch : new int[] {1, 64}) {
                double d = largestDifference(Precision.FP32, batch);
                assertTrue(d < 1e-5, "batch " + batch + ": probabilities differ by " + d);
            }
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
    }

    /** bf16 where the CPU has it (fp32 elsewhere): both passes round the convolutions' inputs alike. */
    @Test
    void theDefaultPrecisionGivesDl4jsProbabilitiesWithinBf16Rounding() throws Exception {
        double d = largestDifference(NativeRuntime.precision(), 64);
        assertTrue(d < 2e-2, "probabilities differ by " + d);
    }

    @Test
    void aFloat64NetworkIsLeftToDl4j() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false),
                ModelOptions.defaults().withDataType(DataType.DOUBLE));
        FoldedInference.Unsupported e = assertThrows(FoldedInference.Unsupported.class,
                () -> FoldedInference.of(net, Precision.FP32));
        assertTrue(e.getMessage().contains("DOUBLE"), e.getMessage());
    }
}
