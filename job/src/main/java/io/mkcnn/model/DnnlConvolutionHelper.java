package io.mkcnn.model;

import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.Precision;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's hook for a convolution layer's kernels, served by the project's oneDNN kernels
 * ({@link DnnlConvolution}) in the JVM's precision. Handles NCHW and NHWC float32 layers with stride 1 and dilation 1 (every
 * convolution of the network); for anything else it returns null, and DL4J runs its own implementation.
 */
final class DnnlConvolutionHelper implements ConvolutionHelper {
    private final Precision precision;
    private final boolean hasBias;
    private final boolean inputGradient;
    private DnnlConvolution kernel;

    /**
     * @param inputGradient whether backprop computes the gradient of the layer's input; false for a layer that
     *     reads the network's input, whose gradient nobody uses (zeros are returned in its place)
     */
    DnnlConvolutionHelper(Precision precision, boolean hasBias, boolean inputGradient) {
        this.precision = precision;
        this.hasBias = hasBias;
        this.inputGradient = inputGradient;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernelSize, int[] strides,
                              int[] pad, ConvolutionLayer.AlgoMode mode, ConvolutionLayer.FwdAlgo fwdAlgo,
                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        DnnlConvolution k = kernel(input, weights, kernelSize, strides, pad, convolutionMode, dilation, format);
        if (k == null) {
            return null;
        }
        boolean last = format == CNN2DFormat.NHWC;
        ConvGeometry g = geometry(input, weights, kernelSize, pad, convolutionMode, format);
        long oh = g.outHeight(input.size(last ? 1 : 2));
        long ow = g.outWidth(input.size(last ? 2 : 3));
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                last ? new long[] {input.size(0), oh, ow, weights.size(0)}
                        : new long[] {input.size(0), weights.size(0), oh, ow}, 'c');
        k.forward(Dnnl.dense(input), Dnnl.dense(weights), hasBias ? Dnnl.dense(bias) : null, out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernelSize, int[] strides, int[] pad,
                                                     INDArray biasGradView, INDArray weightGradView,
                                                     IActivation afn, ConvolutionLayer.AlgoMode mode,
                                                     ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
                                                     ConvolutionLayer.BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        DnnlConvolution k = kernel(input, weights, kernelSize, strides, pad, convolutionMode, dilation, format);
        if (k == null) {
            return null;
        }
        INDArray gradAtInput = inputGradient
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c')
                : workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        k.backward(Dnnl.dense(input), Dnnl.dense(weights), Dnnl.dense(delta), inputGradient ? gradAtInput : null,
                weightGradView,
                hasBias ? biasGradView : null);
        Gradient g = new DefaultGradient();
        if (hasBias) {
            g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(g, gradAtInput);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    /** The kernels for this layer, created on first use; null where the layer is outside what they handle. */
    private DnnlConvolution kernel(INDArray input, INDArray weights, int[] kernelSize, int[] strides, int[] pad,
                                   ConvolutionMode mode, int[] dilation, CNN2DFormat format) {
        if (input.dataType() != DataType.FLOAT
                || weights.dataType() != DataType.FLOAT || !Arrays.equals(strides, new int[] {1, 1})
                || !Arrays.equals(dilation, new int[] {1, 1})) {
            return null;
        }
        if (kernel == null) {
            kernel = new DnnlConvolution(geometry(input, weights, kernelSize, pad, mode, format), hasBias, precision,
                    format == CNN2DFormat.NHWC);
        }
        return kernel;
    }

    private static ConvGeometry geometry(INDArray input, INDArray weights, int[] kernelSize, int[] pad,
                                         ConvolutionMode mode, CNN2DFormat format) {
        if (mode == ConvolutionMode.Same) {
            long inH = input.size(format == CNN2DFormat.NHWC ? 1 : 2);
            long inW = input.size(format == CNN2DFormat.NHWC ? 2 : 3);
            int[] out = ConvolutionUtils.getOutputSize(input, kernelSize, new int[] {1, 1}, null, mode,
                    new int[] {1, 1}, format);
            int[] top = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) inH, (int) inW},
                    kernelSize, new int[] {1, 1}, new int[] {1, 1});
            return new ConvGeometry(weights.size(1), weights.size(0), kernelSize[0], kernelSize[1], top[0], top[1],
                    out[0] - 1 + kernelSize[0] - inH - top[0], out[1] - 1 + kernelSize[1] - inW - top[1]);
        }
        return new ConvGeometry(weights.size(1), weights.size(0), kernelSize[0], kernelSize[1], pad[0], pad[1],
                pad[0], pad[1]);
    }

}
