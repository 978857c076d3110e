package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlMaxPool;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer implementation of {@link MaxPool}: oneDNN's max pooling on dense float32 input without dilation, in
 * DL4J's {@code Same} and {@code Truncate} modes, with the training forward's record of the maxima serving the
 * backward (DL4J's own backward recomputes the forward to find them); anything else goes to DL4J's
 * implementation.
 */
public class MaxPoolImpl extends SubsamplingLayer {
    private DnnlMaxPool kernel;
    /** The height and width the kernel was made for. */
    private long kernelKey = -1;

    public MaxPoolImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean handles(INDArray a) {
        int[] dilation = layerConf().getDilation();
        return a.dataType() == DataType.FLOAT && a.rank() == 4 && Dnnl.denseRowMajor(a)
                && (dilation == null || (dilation[0] == 1 && dilation[1] == 1))
                && (convolutionMode == ConvolutionMode.Same || convolutionMode == ConvolutionMode.Truncate);
    }

    /** The kernel for this input's height and width (Same mode's padding depends on them). */
    private DnnlMaxPool kernel(INDArray in) {
        boolean nhwc = layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
        int h = (int) in.size(nhwc ? 1 : 2);
        int w = (int) in.size(nhwc ? 2 : 3);
        int[] k = layerConf().getKernelSize();
        int[] s = layerConf().getStride();
        int[] top;
        int[] bottom;
        if (convolutionMode == ConvolutionMode.Same) {
            int[] out = {(h + s[0] - 1) / s[0], (w + s[1] - 1) / s[1]};
            int[] total = {Math.max(0, (out[0] - 1) * s[0] + k[0] - h), Math.max(0, (out[1] - 1) * s[1] + k[1] - w)};
            top = new int[] {total[0] / 2, total[1] / 2};
            bottom = new int[] {total[0] - top[0], total[1] - top[1]};
        } else {
            int[] p = layerConf().getPadding();
            top = p.clone();
            bottom = p.clone();
        }
        long key = (long) h << 32 | w;
        if (key != kernelKey) {
            if (kernel != null) {
                kernel.close();
            }
            kernel = new DnnlMaxPool(k, s, top, bottom, nhwc);
            kernelKey = key;
        }
        return kernel;
    }

    private long[] outShape(DnnlMaxPool k, INDArray in) {
        boolean nhwc = layerConf().getCnn2dDataFormat() == CNN2DFormat.NHWC;
        long oh = k.outSize(in.size(nhwc ? 1 : 2), 0);
        long ow = k.outSize(in.size(nhwc ? 2 : 3), 1);
        return nhwc ? new long[] {in.size(0), oh, ow, in.size(3)} : new long[] {in.size(0), in.size(1), oh, ow};
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        if (!handles(input)) {
            return super.activate(training, mgr);
        }
        DnnlMaxPool k = kernel(input);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, outShape(k, input), 'c');
        k.forward(input, out, training);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!handles(input) || epsilon.dataType() != DataType.FLOAT) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        DnnlMaxPool k = kernel(input);
        INDArray eps = Dnnl.dense(epsilon);
        if (!k.recorded(input)) {
            // no training forward of this input (e.g. a gradient asked for after an inference pass): find the
            // maxima again
            k.forward(input, workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                    outShape(k, input), 'c'), true);
        }
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                input.shape(), 'c');
        k.backward(input, eps, delta);
        return new Pair<>(new DefaultGradient(), delta);
    }
}
