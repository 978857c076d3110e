package io.mkcnn.model;

import io.mkcnn.runtime.NativeRuntime;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The layer implementation of {@link LinearConvolution}: skips the forward recomputation in backprop. */
public class LinearConvolutionImpl extends ConvolutionLayer {

    public LinearConvolutionImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        if (dataType == DataType.FLOAT) {
            helper = new DnnlConvolutionHelper(NativeRuntime.precision(), layerConf().hasBias(),
                    ((LinearConvolution) layerConf()).isInputGradient());
        }
    }

    /**
     * With the project's kernels, goes to them directly: DL4J's own {@code preOutput} first copies a channels-last
     * input into NCHW, which its helpers do not use.
     */
    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop,
                                                 LayerWorkspaceMgr workspaceMgr) {
        if (!(helper instanceof DnnlConvolutionHelper h) || input == null || input.rank() != 4
                || input.dataType() != DataType.FLOAT) {
            return super.preOutput(training, forBackprop, workspaceMgr);
        }
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = c.hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr)
                : null;
        validateInputDepth(weights.size(1));
        INDArray out = h.preOutput(input, weights, bias, c.getKernelSize(), c.getStride(), c.getPadding(), null, null,
                c.getConvolutionMode(), c.getDilation(), c.getCnn2dDataFormat(), workspaceMgr);
        return out == null ? super.preOutput(training, forBackprop, workspaceMgr) : new Pair<>(out, null);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop,
                                                   LayerWorkspaceMgr workspaceMgr) {
        if (!forBackprop || helper == null) {
            return super.preOutput4d(training, forBackprop, workspaceMgr);
        }
        // Only the shape matters to the identity activation's derivative.
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        CNN2DFormat format = c.getCnn2dDataFormat();
        int[] out = ConvolutionUtils.getOutputSize(input, c.getKernelSize(), c.getStride(),
                c.getConvolutionMode() == org.deeplearning4j.nn.conf.ConvolutionMode.Same ? null : c.getPadding(),
                c.getConvolutionMode(), c.getDilation(), format);
        long[] shape = format == CNN2DFormat.NCHW
                ? new long[] {input.size(0), c.getNOut(), out[0], out[1]}
                : new long[] {input.size(0), out[0], out[1], c.getNOut()};
        return new Pair<>(workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), shape, 'c'), null);
    }
}
