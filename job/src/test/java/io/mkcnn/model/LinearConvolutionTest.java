package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.runtime.NativeRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import io.mkcnn.kernels.Precision;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

class LinearConvolutionTest {

    private static MultiDataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, (i * 7 + seed) % 10, 1);
        }
        return new MultiDataSet(Nd4j.randn(DataType.FLOAT, 16, 3, 24, 24), y);
    }

    /**
     * DL4J's convolution (ND4J's oneDNN) and the project's fp32 oneDNN kernels give the same gradients and
     * train alike; batch norm is the same in both. (Parameters after Adam steps are compared loosely: Adam moves
     * every weight by about the learning rate whatever its gradient's size, so rounding in near-zero gradients
     * shows at that size.)
     */
    @Test
    void trainsLikeDl4jsPlainConvolutionInFp32() {
        NativeRuntime.configure(0);
        NativeRuntime.configurePrecision(Precision.FP32);
        ComputationGraph plain;
        ComputationGraph linear;
        try {
            plain = new ComputationGraph(MultiKernelNet.configuration(NetworkSpec.cifar(false),
                    ModelOptions.defaults(), false));
            plain.init();
            DnnlHelpers.attach(plain);
            linear = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
        assertInstanceOf(LinearConvolutionImpl.class, linear.getLayer("branch5_conv"));
        assertInstanceOf(LinearConvolutionImpl.class, linear.getLayer("stem_conv"));
        assertInstanceOf(LinearConvolutionImpl.class, linear.getLayer("head_conv"), "linear head, with its bias");
        assertTrue(plain.params().equalsWithEps(linear.params(), 0), "same initial parameters");
        INDArray g1 = Gradients.of(plain, batch(1));
        INDArray g2 = Gradients.of(linear, batch(1));
        assertTrue(Gradients.relativeDifference(g1, g2) < 1e-4, "gradients differ by "
                + Gradients.relativeDifference(g1, g2));
        INDArray initial = plain.params().dup();
        for (long s = 1; s <= 3; s++) {
            plain.fit(batch(s));
            linear.fit(batch(s));
        }
        INDArray d1 = plain.params().sub(initial);
        INDArray d2 = linear.params().sub(initial);
        assertTrue(d1.norm2Number().doubleValue() > 1e-2, "training changed the weights");
        assertTrue(Gradients.relativeDifference(d1, d2) < 1e-2, "updates differ by "
                + Gradients.relativeDifference(d1, d2));
    }

    @Test
    void survivesJsonAndModelSerialisation() throws Exception {
        ComputationGraphConfiguration conf = MultiKernelNet.configuration(NetworkSpec.cifar(true),
                ModelOptions.defaults());
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(true), ModelOptions.defaults());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(
                new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(LinearConvolutionImpl.class, restored.getLayer("branch7_conv_7x1"));
        assertTrue(net.params().equalsWithEps(restored.params(), 0));
    }

    @Test
    void refusesAnActivation() {
        assertThrows(IllegalArgumentException.class, () -> new LinearConvolution(
                new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU)));
    }
}
