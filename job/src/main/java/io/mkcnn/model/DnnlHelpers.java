package io.mkcnn.model;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Puts the project's oneDNN kernels behind a built network's batch-normalisation layers. (Its convolutions get
 * theirs when they are built: see {@link LinearConvolutionImpl}.) DL4J's batch-normalisation layer picks its helper
 * in its constructor from a fixed list, so the helper is replaced afterwards; the saved model is not affected.
 * Call it on every network that trains or predicts, after it is built or loaded; it is idempotent. The kernels
 * live as long as their layer (their native objects are freed with it).
 */
public final class DnnlHelpers {
    private static final Field BN_HELPER;

    static {
        try {
            BN_HELPER = BatchNormalization.class.getDeclaredField("helper");
            BN_HELPER.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private DnnlHelpers() {
    }

    /** @return the network, with every float32 batch-normalisation layer served by oneDNN kernels */
    public static ComputationGraph attach(ComputationGraph net) {
        for (Layer layer : net.getLayers()) {
            INDArray gamma = layer instanceof BatchNormalization
                    ? layer.getParam(BatchNormalizationParamInitializer.GAMMA) : null;
            if (gamma != null && gamma.dataType() == DataType.FLOAT) {
                attach((BatchNormalization) layer);
            }
        }
        return net;
    }

    /**
     * Gives one batch-normalisation layer the project's helper (with the ReLU for a {@link BatchNormReluImpl}),
     * unless it has it already. The helper serves float32 input and leaves anything else to DL4J.
     */
    static void attach(BatchNormalization bn) {
        boolean relu = bn instanceof BatchNormReluImpl;
        try {
            if (!(BN_HELPER.get(bn) instanceof DnnlBatchNormHelper h && h.fusesRelu() == relu)) {
                BN_HELPER.set(bn, (BatchNormalizationHelper) new DnnlBatchNormHelper(relu));
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set the batch-norm helper of " + bn.getConfig(), e);
        }
    }
}
