package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MultiKernelNetTest {

    private static long[] weightShape(ComputationGraph net, String layer) {
        return net.getLayer(layer).getParam("W").shape();
    }

    @Test
    void standardNetworkHasTrueOneByOneAndSquareBranches() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        assertArrayEquals(new long[] {64, 3, 5, 5}, weightShape(net, "stem_conv"));
        assertArrayEquals(new long[] {64, 64, 1, 1}, weightShape(net, "branch1_conv"));
        assertArrayEquals(new long[] {64, 64, 3, 3}, weightShape(net, "branch3_conv"));
        assertArrayEquals(new long[] {64, 64, 5, 5}, weightShape(net, "branch5_conv"));
        assertArrayEquals(new long[] {64, 64, 7, 7}, weightShape(net, "branch7_conv"));
        assertArrayEquals(new long[] {10, 256, 5, 5}, weightShape(net, "head_conv"));
        assertNull(net.getLayer("branch3_conv").getParam("b"), "convolutions before BN carry no bias");
        assertNotNull(net.getLayer("head_conv").getParam("b"));
    }

    @Test
    void factorisedNetworkSplitsEveryBranchLargerThanOne() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(true), ModelOptions.defaults());
        assertArrayEquals(new long[] {64, 64, 1, 1}, weightShape(net, "branch1_conv"));
        for (int k : List.of(3, 5, 7)) {
            assertArrayEquals(new long[] {64, 64, k, 1}, weightShape(net, "branch" + k + "_conv_" + k + "x1"));
            assertArrayEquals(new long[] {64, 64, 1, k}, weightShape(net, "branch" + k + "_conv_1x" + k));
        }
    }

    @Test
    void everyBatchNormIsFollowedByARelu() {
        // each BN layer applies the ReLU after it (DL4J's BatchNormalization layer alone ignores an activation)
        for (boolean factorised : new boolean[] {false, true}) {
            ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), ModelOptions.defaults());
            Map<String, INDArray> acts = net.feedForward(new INDArray[] {Nd4j.randn(DataType.FLOAT, 4, 3, 24, 24)},
                    true, false);
            for (String bn : List.of("stem_bn", "branch1_bn", "branch3_bn", "branch5_bn", "branch7_bn")) {
                String input = net.getConfiguration().getVertexInputs().get(bn).get(0);
                assertTrue(acts.get(input).minNumber().doubleValue() < 0, input + " output has negatives");
                assertEquals(0.0, acts.get(bn).minNumber().doubleValue(), 0.0, bn + " output is ReLU'd");
                assertTrue(acts.get(bn).maxNumber().doubleValue() > 0, bn + " output is not all zero");
            }
            assertEquals(0.0, acts.get("pool1").minNumber().doubleValue(), 0.0, "pool1 sees ReLU outputs");
            assertEquals(0.0, acts.get("concat").minNumber().doubleValue(), 0.0, "concat sees ReLU outputs");
        }
    }

    @Test
    void outputsTenProbabilitiesPerExample() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        INDArray out = net.outputSingle(false, Nd4j.rand(DataType.FLOAT, 3, 3, 24, 24));
        assertArrayEquals(new long[] {3, 10}, out.shape());
        INDArray rowSums = out.sum(1);
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, rowSums.getDouble(i), 1e-5);
        }
    }

    @Test
    void headActivationFollowsTheOption() {
        ModelOptions relu = new ModelOptions(Head.RELU, 1e-4, 0, 0, 0.9, 1e-3, 1, DataType.FLOAT, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
        ComputationGraphConfiguration reluConf = MultiKernelNet.configuration(NetworkSpec.cifar(false), relu);
        ComputationGraphConfiguration linConf = MultiKernelNet.configuration(NetworkSpec.cifar(false),
                ModelOptions.defaults());
        assertEquals(Activation.RELU.getActivationFunction(), head(reluConf).getActivationFn());
        assertEquals(Activation.IDENTITY.getActivationFunction(), head(linConf).getActivationFn());
    }

    private static ConvolutionLayer head(ComputationGraphConfiguration c) {
        return (ConvolutionLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) c.getVertices().get("head_conv"))
                .getLayerConf().getLayer();
    }

    /**
     * The factorisation's premise: a rank-1 3x3 kernel (outer product of a 3x1 and a 1x3 kernel) gives the same
     * same-padded output as the 3x1 convolution followed by the 1x3 one.
     */
    @Test
    void rankOneKernelEqualsTwoSeparableConvolutions() {
        double[] col = {0.5, -1.0, 2.0};
        double[] row = {1.5, 0.25, -0.75};
        INDArray image = Nd4j.rand(DataType.DOUBLE, 2, 1, 5, 4).subi(0.5);

        ComputationGraph full = graph(new int[][] {{3, 3}});
        INDArray k = Nd4j.create(DataType.DOUBLE, 1, 1, 3, 3);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                k.putScalar(new int[] {0, 0, i, j}, col[i] * row[j]);
            }
        }
        full.getLayer("c0").setParam("W", k);

        ComputationGraph separable = graph(new int[][] {{3, 1}, {1, 3}});
        separable.getLayer("c0").setParam("W", Nd4j.create(col, new long[] {1, 1, 3, 1}, DataType.DOUBLE));
        separable.getLayer("c1").setParam("W", Nd4j.create(row, new long[] {1, 1, 1, 3}, DataType.DOUBLE));

        INDArray a = full.outputSingle(false, image);
        INDArray b = separable.outputSingle(false, image);
        assertArrayEquals(new long[] {2, 1, 5, 4}, a.shape());
        assertTrue(a.equalsWithEps(b, 1e-12), "full:\n" + a + "\nseparable:\n" + b);
        assertTrue(a.norm2Number().doubleValue() > 0.1, "the output is not trivially zero");
    }

    /**
     * Channels-last layers compute the same function as NCHW ones with the same parameters (the parameter layout
     * does not depend on it): outputs and gradients, also after the configuration is cloned as Spark workers do.
     */
    @Test
    void channelsLastLayersComputeWhatNchwLayersDo() {
        for (boolean factorised : new boolean[] {false, true}) {
            ModelOptions o = ModelOptions.defaults().withDataType(DataType.DOUBLE);
            ComputationGraph nchw = MultiKernelNet.create(NetworkSpec.cifar(factorised),
                    o.withLayout(CNN2DFormat.NCHW));
            ComputationGraph nhwc = new ComputationGraph(MultiKernelNet.configuration(NetworkSpec.cifar(factorised),
                    o.withLayout(CNN2DFormat.NHWC)).clone());
            nhwc.init(nchw.params().dup(), true);
            Nd4j.getRandom().setSeed(7);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 3, 24, 24);
            INDArray a = nchw.outputSingle(false, x);
            INDArray b = nhwc.outputSingle(false, x);
            assertTrue(a.equalsWithEps(b, 1e-10), "outputs differ by " + a.sub(b).amaxNumber());
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 10);
            for (int i = 0; i < 4; i++) {
                y.putScalar(i, i * 3 % 10, 1);
            }
            org.nd4j.linalg.dataset.MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(x, y);
            INDArray g1 = Gradients.of(nchw, batch);
            INDArray g2 = Gradients.of(nhwc, batch);
            assertTrue(g1.norm2Number().doubleValue() > 0, "non-zero gradient");
            assertTrue(Gradients.relativeDifference(g1, g2) < 1e-8, "gradients differ by "
                    + Gradients.relativeDifference(g1, g2));
        }
    }

    /** A chain of bias-free, linear, same-padded single-channel convolutions with the given kernel shapes. */
    private static ComputationGraph graph(int[][] kernels) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(5, 4, 1));
        String prev = "in";
        for (int i = 0; i < kernels.length; i++) {
            g.addLayer("c" + i, new ConvolutionLayer.Builder(kernels[i][0], kernels[i][1]).nOut(1).hasBias(false)
                    .activation(Activation.IDENTITY).build(), prev);
            prev = "c" + i;
        }
        ComputationGraph net = new ComputationGraph(g.setOutputs(prev).build());
        net.init();
        return net;
    }
}
