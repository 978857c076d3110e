package io.mkcnn.model;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer implementation of {@link BatchNormRelu}: DL4J's batch-normalisation layer whose helper
 * ({@link DnnlBatchNormHelper} with the ReLU) normalises and applies the ReLU in the same oneDNN primitives, in
 * both passes. Where the helper does not serve the input (not float32), DL4J's own normalisation runs and this
 * layer applies the ReLU, and in the backward pass zeroes the gradient where the output was not positive.
 */
public class BatchNormReluImpl extends BatchNormalization {
    private INDArray unfusedOutput;

    public BatchNormReluImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        Kernels.attach(this);
    }

    private boolean fused() {
        return getHelper() instanceof DnnlBatchNormHelper h && h.fusesRelu() && h.fusedLastForward();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        if (fused()) {
            unfusedOutput = null;
            return out;
        }
        unfusedOutput = Transforms.relu(out, false);
        return unfusedOutput;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (unfusedOutput == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray passed = epsilon.mul(unfusedOutput.gt(0).castTo(epsilon.dataType()));
        return super.backpropGradient(passed, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        unfusedOutput = null;
    }
}
