package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.kernels.Precision;
import io.mkcnn.runtime.NativeRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch normalisation with its ReLU as one layer ({@link BatchNormRelu}) against DL4J's BN layer followed by a
 * {@link Relu} layer (the networks built before): the same outputs, gradients (the moving statistics' updates,
 * which the fused layer computes itself, among them), and parameters and moving statistics after training steps,
 * in both convolution precisions, and in float64, where DL4J's own normalisation runs and the layer applies the
 * ReLU itself.
 */
class BatchNormReluTest {

    private static MultiDataSet batch(long seed, DataType type) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(type, 16, 10);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, (i * 7 + seed) % 10, 1);
        }
        return new MultiDataSet(Nd4j.randn(type, 16, 3, 24, 24), y);
    }

    /** The fused network and the separate-layer one with the fused one's parameters. */
    private static ComputationGraph[] pair(boolean factorised, ModelOptions options) {
        ComputationGraph fused = MultiKernelNet.create(NetworkSpec.cifar(factorised), options);
        ComputationGraph separate = new ComputationGraph(MultiKernelNet.configuration(NetworkSpec.cifar(factorised),
                options, true, false));
        separate.init();
        DnnlHelpers.attach(separate);
        for (Layer l : fused.getLayers()) {
            if (l.numParams() > 0) {
                separate.getLayer(l.conf().getLayer().getLayerName()).setParams(l.params().dup());
            }
        }
        return new ComputationGraph[] {fused, separate};
    }

    private static void assertClose(INDArray expected, INDArray actual, double tolerance, String what) {
        double rel = Gradients.relativeDifference(expected, actual);
        assertTrue(rel <= tolerance, what + ": relative difference " + rel);
    }

    /** Each layer's parameters (BN's moving statistics among them) in both networks, by name. */
    private static void assertSameParameters(ComputationGraph fused, ComputationGraph separate, double tolerance,
                                             String what) {
        for (Layer l : fused.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                assertClose(separate.getLayer(name).getParam(p.getKey()), p.getValue(), tolerance,
                        what + " " + name + "_" + p.getKey());
            }
        }
    }

    private static void compare(boolean factorised, ModelOptions options, double tolerance, String what) {
        ComputationGraph[] nets = pair(factorised, options);
        ComputationGraph fused = nets[0];
        ComputationGraph separate = nets[1];
        assertInstanceOf(ReluImpl.class, separate.getLayer("stem_relu"), "the separate network's own ReLU");
        assertNull(fused.getConfiguration().getVertices().get("stem_relu"), "the fused network has no ReLU layers");
        assertInstanceOf(BatchNormReluImpl.class, fused.getLayer("branch5_bn"));

        MultiDataSet b = batch(1, options.dataType());
        assertClose(separate.outputSingle(false, b.getFeatures(0)), fused.outputSingle(false, b.getFeatures(0)),
                tolerance, what + " inference output");
        Map<String, INDArray> acts = fused.feedForward(b.getFeatures(), true, false);
        assertEquals(0.0, acts.get("stem_bn").minNumber().doubleValue(), 0.0, what + ": the BN output is ReLU'd");
        INDArray g1 = Gradients.of(separate, b);
        INDArray g2 = Gradients.of(fused, b);
        assertTrue(g1.norm2Number().doubleValue() > 0, "non-zero gradient");
        for (Layer l : fused.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            for (String p : l.paramTable().keySet()) {
                INDArray a = separate.gradient().getGradientFor(name + "_" + p);
                if (a != null && a.norm2Number().doubleValue() > 0) {
                    assertClose(a, fused.gradient().getGradientFor(name + "_" + p), tolerance,
                            what + " gradient " + name + "_" + p);
                }
            }
        }
        for (int step = 0; step < 3; step++) {
            MultiDataSet s = batch(10 + step, options.dataType());
            separate.fit(s);
            fused.fit(s);
        }
        assertSameParameters(fused, separate, 20 * tolerance, what + " after 3 steps:");
    }

    @Test
    void fusedLayerTrainsLikeBatchNormThenReluInFp32() {
        NativeRuntime.configurePrecision(Precision.FP32);
        try {
            compare(false, ModelOptions.defaults(), 1e-5, "fp32");
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
    }

    /** bf16 convolutions where the CPU has them (fp32 elsewhere): both networks convolve the same inputs alike. */
    @Test
    void fusedLayerTrainsLikeBatchNormThenReluAtTheDefaultPrecision() {
        compare(true, ModelOptions.defaults(), 1e-4, "default precision");
    }

    /** In float64 the oneDNN helper steps aside; DL4J normalises and the layer applies the ReLU. */
    @Test
    void fusedLayerTrainsLikeBatchNormThenReluInFloat64() {
        compare(false, ModelOptions.defaults().withDataType(DataType.DOUBLE), 1e-10, "float64");
    }

    @Test
    void survivesJsonAndModelSerialisation() throws Exception {
        ComputationGraphConfiguration conf = MultiKernelNet.configuration(NetworkSpec.cifar(false),
                ModelOptions.defaults());
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        net.fit(batch(3, DataType.FLOAT));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(
                new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(BatchNormReluImpl.class, restored.getLayer("stem_bn"));
        assertInstanceOf(DnnlBatchNormHelper.class, ((BatchNormReluImpl) restored.getLayer("stem_bn")).getHelper());
        assertTrue(net.params().equalsWithEps(restored.params(), 0));
        INDArray x = batch(4, DataType.FLOAT).getFeatures(0);
        assertTrue(net.outputSingle(false, x).equalsWithEps(restored.outputSingle(false, x), 1e-6));
    }
}
