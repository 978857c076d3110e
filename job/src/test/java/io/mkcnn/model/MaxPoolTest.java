package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oneDNN max-pooling layer computes what DL4J's subsampling layer computes, both passes, both layouts. */
class MaxPoolTest {

    @Test
    void sameResultsAsDl4jsLayer() {
        for (CNN2DFormat format : CNN2DFormat.values()) {
            for (ConvolutionMode mode : new ConvolutionMode[] {ConvolutionMode.Same, ConvolutionMode.Truncate}) {
                for (int size : new int[] {12, 7}) {
                    compare(format, mode, size);
                }
            }
        }
    }

    private static void compare(CNN2DFormat format, ConvolutionMode mode, int size) {
        SubsamplingLayer.Builder b = new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(mode).dataFormat(format);
        Layer ours = layer(new MaxPool(b));
        Layer theirs = layer(b.build());
        assertTrue(ours instanceof MaxPoolImpl);
        Nd4j.getRandom().setSeed(17);
        long[] shape = format == CNN2DFormat.NHWC ? new long[] {3, size, size, 5} : new long[] {3, 5, size, size};
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        ours.setInput(x, mgr);
        theirs.setInput(x, mgr);
        INDArray y = ours.activate(true, mgr);
        INDArray expected = theirs.activate(true, mgr);
        String what = format + " " + mode + " " + size;
        assertEquals(expected, y, what);
        INDArray dy = Nd4j.randn(DataType.FLOAT, y.shape());
        assertEquals(theirs.backpropGradient(dy, mgr).getSecond(), ours.backpropGradient(dy, mgr).getSecond(), what);
        // a gradient after an inference pass finds the maxima again
        ours.activate(false, mgr);
        ours.setInput(x.dup(), mgr);
        assertEquals(theirs.backpropGradient(dy, mgr).getSecond(), ours.backpropGradient(dy, mgr).getSecond(), what);
    }

    /** Networks travel to executors and into saved models as JSON: the pooling layers stay the project's. */
    @Test
    void survivesTheJsonRoundTrip() {
        var conf = MultiKernelNet.configuration(NetworkSpec.cifar(false), ModelOptions.defaults());
        var back = org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        for (String pool : new String[] {"pool1", "pool2"}) {
            var layer = ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get(pool))
                    .getLayerConf().getLayer();
            assertTrue(layer instanceof MaxPool, pool + ": " + layer.getClass());
            assertEquals(2, ((MaxPool) layer).getKernelSize()[0]);
        }
    }

    private static Layer layer(org.deeplearning4j.nn.conf.layers.Layer conf) {
        NeuralNetConfiguration c = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(conf).build();
        return conf.instantiate(c, Collections.emptyList(), 0, null, true, DataType.FLOAT);
    }
}
