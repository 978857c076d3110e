package io.mkcnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;

/** Fails when DL4J's oneDNN layer helpers are not in use: training would then run ~10x slower. */
class NativeRuntimeTest {

    @Test
    void oneDnnBuildOfNd4jIsLoaded() {
        NativeRuntime.configure(0);
        assertTrue(NativeRuntime.oneDnnAvailable(), "ND4J native library without oneDNN: " + NativeRuntime.describe());
    }

    @Test
    void helpersAreAttachedToConvolutionAndBatchNormLayers() {
        NativeRuntime.configure(0);
        assertTrue(NativeRuntime.helpersUsable(), NativeRuntime.describe());
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        assertNotNull(((ConvolutionLayer) net.getLayer("branch3_conv")).getHelper(), "convolution helper");
        assertNotNull(((BatchNormalization) net.getLayer("stem_bn")).getHelper(), "batch norm helper");
    }

    @Test
    void threadCountIsApplied() {
        NativeRuntime.configure(1);
        assertEquals(1, NativeRuntime.threads());
        NativeRuntime.configure(0);
        assertEquals(Runtime.getRuntime().availableProcessors(), NativeRuntime.threads());
    }
}
