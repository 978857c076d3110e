package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlBatchNorm;
import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's hook for a batch-normalisation layer's kernels, served by the project's oneDNN kernels
 * ({@link DnnlBatchNorm}) for rank-4 float32 input (NCHW or NHWC) with trainable gamma and beta; elsewhere it returns null and DL4J
 * runs its own implementation.
 *
 * <p>DL4J's layer updates the moving statistics from {@link #getMeanCache} and {@link #getVarCache} after the
 * backward pass: the mean and the biased variance (divided by examples x height x width) of the last training
 * batch, exactly as DL4J's own implementation computes them.
 *
 * <p>For a {@link BatchNormRelu} layer the helper also applies the ReLU that follows, inside the same oneDNN
 * primitives, and says whether its last forward did ({@link #fusedLastForward}): where it returned null, the
 * layer applies the ReLU itself.
 */
final class DnnlBatchNormHelper implements BatchNormalizationHelper {
    private final boolean relu;
    private boolean fusedLastForward;
    private DnnlBatchNorm kernel;
    private double kernelEps = Double.NaN;
    private CNN2DFormat kernelFormat;
    private INDArray meanCache;
    private INDArray varCache;

    /** @param relu whether a ReLU follows the normalisation inside the helper's kernels */
    DnnlBatchNormHelper(boolean relu) {
        this.relu = relu;
    }

    /** @return whether the helper applies the ReLU that follows the normalisation */
    boolean fusesRelu() {
        return relu;
    }

    /** @return whether the last forward ran here with the ReLU applied (false: DL4J's layer ran it, without) */
    boolean fusedLastForward() {
        return fusedLastForward;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        fusedLastForward = false;
        if (!supported(x, format, gamma, beta)) {
            return null;
        }
        DnnlBatchNorm k = kernel(eps, format);
        INDArray src = Dnnl.dense(x);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, src.shape(), 'c');
        if (training) {
            long channels = src.size(format == CNN2DFormat.NHWC ? 3 : 1);
            if (meanCache == null || meanCache.length() != channels) {
                try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                    varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                }
            }
            k.forwardTraining(src, Dnnl.dense(gamma), Dnnl.dense(beta), out, meanCache, varCache);
        } else {
            k.forwardInference(src, Dnnl.dense(gamma), Dnnl.dense(beta), Dnnl.dense(mean), Dnnl.dense(var), out);
        }
        fusedLastForward = relu;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, format, gamma, beta) || meanCache == null || dGammaView == null
                || relu && !fusedLastForward) {
            return null;
        }
        INDArray src = Dnnl.dense(input);
        INDArray epsAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                src.shape(), 'c');
        kernel(eps, format).backward(src, Dnnl.dense(epsilon), Dnnl.dense(gamma), Dnnl.dense(beta), meanCache,
                varCache, epsAtInput, dGammaView,
                dBetaView);
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, epsAtInput);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    private DnnlBatchNorm kernel(double eps, CNN2DFormat format) {
        if (kernel == null || eps != kernelEps || format != kernelFormat) {
            if (kernel != null) {
                kernel.close();
            }
            kernel = new DnnlBatchNorm(eps, format == CNN2DFormat.NHWC, relu);
            kernelEps = eps;
            kernelFormat = format;
        }
        return kernel;
    }

    private static boolean supported(INDArray x, CNN2DFormat format, INDArray gamma, INDArray beta) {
        return x.rank() == 4 && x.dataType() == DataType.FLOAT && gamma != null
                && beta != null && gamma.dataType() == DataType.FLOAT;
    }

}
