package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The layer implementation of {@link BatchNormRelu}: DL4J's batch-normalisation layer whose helper
 * ({@link DnnlBatchNormHelper} with the ReLU) normalises and applies the ReLU in the same oneDNN primitives, in
 * both passes.
 *
 * <p>In training, where the helper serves the input (float32), the layer calls it directly and computes the
 * moving statistics' updates as DL4J's layer does (the same formulas, in float32) in plain loops over the
 * channels: DL4J's layer spends about a dozen ND4J operations per pass on those few values, which cost more in
 * dispatch than the arithmetic. Inference, and input the helper does not serve, go through DL4J's layer; there,
 * where DL4J's own normalisation ran, this layer applies the ReLU itself and in the backward pass zeroes the
 * gradient where the output was not positive.
 */
public class BatchNormReluImpl extends BatchNormalization {
    /** Whether the last forward ran on the helper directly (training): its backward then does too. */
    private boolean direct;
    private INDArray unfusedOutput;

    public BatchNormReluImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        DnnlHelpers.attach(this);
    }

    private DnnlBatchNormHelper fusingHelper() {
        return getHelper() instanceof DnnlBatchNormHelper h && h.fusesRelu() ? h : null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        DnnlBatchNormHelper h = fusingHelper();
        direct = false;
        unfusedOutput = null;
        if (training && h != null && input.rank() == 4) {
            var conf = layerConf();
            long channels = input.size(conf.getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1);
            if (channels != conf.getNOut()) {
                throw new IllegalArgumentException("layer " + conf.getLayerName() + " expects " + conf.getNOut()
                        + " channels, got input " + input.shapeInfoToString());
            }
            // the training forward reads neither the moving mean nor the moving variance
            INDArray out = h.preOutput(input, true, input.shape(), getParam(BatchNormalizationParamInitializer.GAMMA),
                    getParam(BatchNormalizationParamInitializer.BETA), null, null, conf.getDecay(), conf.getEps(),
                    conf.getCnn2DFormat(), workspaceMgr);
            if (out != null) {
                direct = true;
                return out;
            }
        }
        INDArray out = super.activate(training, workspaceMgr);
        if (h != null && h.fusedLastForward()) {
            return out;
        }
        unfusedOutput = Transforms.relu(out, false);
        return unfusedOutput;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (direct) {
            return directBackward(epsilon, workspaceMgr);
        }
        if (unfusedOutput == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray passed = epsilon.mul(unfusedOutput.gt(0).castTo(epsilon.dataType()));
        return super.backpropGradient(passed, workspaceMgr);
    }

    /** The helper's backward, then the moving statistics' updates as DL4J's layer computes them. */
    private Pair<Gradient, INDArray> directBackward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        var conf = layerConf();
        DnnlBatchNormHelper h = fusingHelper();
        Pair<Gradient, INDArray> ret = h == null ? null : h.backpropGradient(input, epsilon, epsilon.shape(),
                getParam(BatchNormalizationParamInitializer.GAMMA), getParam(BatchNormalizationParamInitializer.BETA),
                gradientViews.get(BatchNormalizationParamInitializer.GAMMA),
                gradientViews.get(BatchNormalizationParamInitializer.BETA), conf.getEps(), conf.getCnn2DFormat(),
                workspaceMgr);
        if (ret == null) {
            throw new IllegalStateException("layer " + conf.getLayerName() + ": the oneDNN kernels ran the forward "
                    + "pass but refused the backward pass of " + input.shapeInfoToString());
        }
        float[] batchMean = Dnnl.floats(h.getMeanCache(dataType));
        float[] batchVar = Dnnl.floats(h.getVarCache(dataType));
        set(ret.getFirst(), BatchNormalizationParamInitializer.GLOBAL_MEAN, MovingStatistics.meanStep(
                Dnnl.floats(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)), batchMean, conf.getDecay()));
        if (conf.isUseLogStd()) {
            set(ret.getFirst(), BatchNormalizationParamInitializer.GLOBAL_LOG_STD, MovingStatistics.log10StdStep(
                    Dnnl.floats(getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)), batchVar,
                    conf.getDecay()));
        } else {
            set(ret.getFirst(), BatchNormalizationParamInitializer.GLOBAL_VAR, MovingStatistics.varianceStep(
                    Dnnl.floats(getParam(BatchNormalizationParamInitializer.GLOBAL_VAR)), batchVar, conf.getDecay()));
        }
        return ret;
    }

    private void set(Gradient g, String param, float[] values) {
        INDArray view = gradientViews.get(param);
        Dnnl.setFloats(view, values);
        g.setGradientFor(param, view);
    }

    @Override
    public void clear() {
        super.clear();
        direct = false;
        unfusedOutput = null;
    }
}
