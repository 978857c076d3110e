package io.mkcnn.model;

import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.Precision;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The layer implementation of {@link FusedBody}: the body's passes as one sequence of the project's oneDNN kernels
 * on channels-last float32 arrays, with no layer graph between them.
 *
 * <pre>
 * forward:  stem conv -> BN+ReLU -> pool1 -> branch convs -> concat -> one BN+ReLU over all branches -> pool2
 *           -> head conv (+ ReLU with model.head=relu) -> global average pool
 * backward: the reverse, with one sum of the branches' input gradients at the fan-out
 * </pre>
 * One BN over the concatenated channels is the branches' BNs side by side (each channel is normalised by its own
 * statistics): gamma and beta are gathered from the branch units and their gradients scattered back. The
 * intermediate activations and gradients live in buffers kept per batch shape, outside DL4J's workspaces; the
 * kernels keep their primitives per shape. The moving statistics move as in {@link BatchNormReluImpl}.
 *
 * <p>With bf16 convolutions, what only the branch convolutions read stays in bf16 between kernels: the pooled
 * input (converted once for the four branches, not once per branch), a factorised branch's inner activation and
 * its gradient, and the branches' output gradients (converted as they are split out of the concatenation). Each is
 * the same bf16 value the layer graph's convolutions convert their float32 arrays into, so both engines compute
 * alike; batch norm, pooling, the parameters and their gradients stay float32.
 */
public class FusedBodyImpl extends BaseLayer<FusedBody> {
    private static final String W = ConvolutionParamInitializer.WEIGHT_KEY;
    private static final String B = ConvolutionParamInitializer.BIAS_KEY;
    private static final String GAMMA = BatchNormalizationParamInitializer.GAMMA;
    private static final String BETA = BatchNormalizationParamInitializer.BETA;
    private static final String MEAN = BatchNormalizationParamInitializer.GLOBAL_MEAN;
    private static final String LOG_STD = BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
    static final String STEM_CONV = "stem_conv";
    static final String STEM_BN = "stem_bn";
    private static final String GRADIENT_KEY = "all";

    private FusedKernels kernels;
    private final Map<List<Long>, FusedBuffers> buffers = new HashMap<>();
    /** The buffers of the last training forward (its backward reads them), or null. */
    private FusedBuffers trained;

    public FusedBodyImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        if (dataType != DataType.FLOAT) {
            throw new IllegalArgumentException("the fused body computes in float32, not " + dataType);
        }
    }

    /** The BN units' names: the stem's, then the branches' in concatenation order. */
    public List<String> bnUnits() {
        List<String> names = new ArrayList<>();
        names.add(STEM_BN);
        names.addAll(layerConf().getBranchBns());
        return names;
    }

    /** A unit's parameter, e.g. {@code param("stem_bn", "mean")}. */
    public INDArray param(String unit, String key) {
        INDArray p = getParam(unit + "_" + key);
        if (p == null) {
            throw new IllegalArgumentException("the fused body has no parameter " + unit + "_" + key);
        }
        return p;
    }

    /** The configuration of a BN unit. */
    public BatchNormalization bnConf(String unit) {
        return (BatchNormalization) layerConf().unit(unit);
    }

    /** The height x width a BN unit normalises over, for body input of {@code h} x {@code w}. */
    public static long bnSpatial(String unit, long h, long w) {
        return STEM_BN.equals(unit) ? h * w : (h / 2) * (w / 2);
    }

    /** DL4J's BN layer: the moving statistics' "gradients" are steps, not divided by the minibatch's size. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !(layerConf().unitOf(paramName) instanceof BatchNormalization)
                || !List.of(MEAN, LOG_STD, BatchNormalizationParamInitializer.GLOBAL_VAR)
                .contains(FusedBody.unitParam(paramName));
    }

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray x = Dnnl.dense(input);
        FusedKernels k = kernels();
        FusedBuffers b = buffers(x);
        float[] gamma = gather(u -> floats(u, GAMMA));
        float[] beta = gather(u -> floats(u, BETA));
        Dnnl.setFloats(b.gamma, gamma);
        Dnnl.setFloats(b.beta, beta);
        k.stem.forward(x, param(STEM_CONV, W), null, b.stem);
        if (training) {
            k.stemBn.forwardTraining(b.stem, param(STEM_BN, GAMMA), param(STEM_BN, BETA), b.stemOut, b.stemMean,
                    b.stemVar);
        } else {
            Dnnl.setFloats(b.stemVar, variance(STEM_BN));
            k.stemBn.forwardInference(b.stem, param(STEM_BN, GAMMA), param(STEM_BN, BETA), param(STEM_BN, MEAN),
                    b.stemVar, b.stemOut);
        }
        k.pool1.forward(b.stemOut, b.pooled, training);
        if (b.pooledIn != b.pooled) {
            k.cast.cast(b.pooled, b.pooledIn);
        }
        for (int i = 0; i < k.branches.size(); i++) {
            List<DnnlConvolution> convs = k.branches.get(i);
            List<String> names = layerConf().getBranchConvs().get(i);
            INDArray in = b.pooledIn;
            for (int j = 0; j < convs.size(); j++) {
                INDArray out = j == convs.size() - 1 ? b.branch[i] : b.inner[i];
                convs.get(j).forward(in, param(names.get(j), W), null, out);
                in = out;
            }
        }
        k.concat.concat(b.branch, b.joined);
        if (training) {
            k.branchBn.forwardTraining(b.joined, b.gamma, b.beta, b.joinedOut, b.mean, b.var);
        } else {
            Dnnl.setFloats(b.mean, gather(u -> floats(u, MEAN)));
            Dnnl.setFloats(b.var, gather(this::variance));
            k.branchBn.forwardInference(b.joined, b.gamma, b.beta, b.mean, b.var, b.joinedOut);
        }
        k.pool2.forward(b.joinedOut, b.pooled2, training);
        k.head.forward(b.pooled2, param(FusedNet.HEAD, W), param(FusedNet.HEAD, B), b.head);
        long n = b.head.size(0);
        int classes = (int) b.head.size(3);
        float[] head = Dnnl.floats(b.head);
        if (layerConf().headRelu()) {
            HeadAverage.relu(head);
            Dnnl.setFloats(b.head, head);
        }
        float[] mean = HeadAverage.forward(head, (int) n, classes);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {n, classes}, 'c');
        Dnnl.setFloats(out, mean);
        trained = training ? b : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        FusedBuffers b = trained;
        if (b == null) {
            throw new IllegalStateException("fused body: backward without a training forward");
        }
        FusedKernels k = kernels();
        float[] dHead = HeadAverage.backward(Dnnl.floats(Dnnl.dense(epsilon)),
                layerConf().headRelu() ? Dnnl.floats(b.head) : null, (int) b.head.size(0), (int) b.head.size(3),
                (int) (b.head.size(1) * b.head.size(2)));
        Dnnl.setFloats(b.headGrad, dHead);
        k.head.backward(b.pooled2, param(FusedNet.HEAD, W), b.headGrad, b.pooled2Grad,
                gradientViews.get(FusedNet.HEAD + "_" + W), gradientViews.get(FusedNet.HEAD + "_" + B));
        k.pool2.backward(b.joinedOut, b.pooled2Grad, b.joinedGrad);
        k.branchBn.backward(b.joined, b.joinedGrad, b.gamma, b.beta, b.mean, b.var, b.joinedGrad, b.dGamma, b.dBeta);
        scatter(b.dGamma, GAMMA);
        scatter(b.dBeta, BETA);
        k.concat.split(b.joinedGrad, b.branchGrad);
        for (int i = 0; i < k.branches.size(); i++) {
            List<DnnlConvolution> convs = k.branches.get(i);
            List<String> names = layerConf().getBranchConvs().get(i);
            INDArray dOut = b.branchGrad[i];
            for (int j = convs.size() - 1; j >= 0; j--) {
                INDArray in = j == 0 ? b.pooledIn : b.inner[i];
                INDArray dIn = j == 0 ? b.pooledGrad[i] : b.innerGrad[i];
                convs.get(j).backward(in, param(names.get(j), W), dOut, dIn, gradientViews.get(names.get(j) + "_" + W),
                        null);
                dOut = dIn;
            }
        }
        // in the layer graph's order: it adds the last branch's gradient first
        k.sum.sum(b.fanOut, b.fanOut[0]);
        k.pool1.backward(b.stemOut, b.fanOut[0], b.stemGrad);
        k.stemBn.backward(b.stem, b.stemGrad, param(STEM_BN, GAMMA), param(STEM_BN, BETA), b.stemMean, b.stemVar,
                b.stemGrad, gradientViews.get(STEM_BN + "_" + GAMMA), gradientViews.get(STEM_BN + "_" + BETA));
        k.stem.backward(Dnnl.dense(input), param(STEM_CONV, W), b.stemGrad, null,
                gradientViews.get(STEM_CONV + "_" + W), null);
        movingStatistics(STEM_BN, Dnnl.floats(b.stemMean), Dnnl.floats(b.stemVar));
        float[] mean = Dnnl.floats(b.mean);
        float[] var = Dnnl.floats(b.var);
        int at = 0;
        for (String unit : layerConf().getBranchBns()) {
            int c = (int) param(unit, GAMMA).length();
            movingStatistics(unit, Arrays.copyOfRange(mean, at, at + c),
                    Arrays.copyOfRange(var, at, at + c));
            at += c;
        }
        trained = null;
        // one entry for the whole layer: DL4J's updater finds a gradient's layer by the key's last '_', and the
        // parameters' own names (stem_bn_gamma, ...) have more; the updater works on the flat view either way
        Gradient g = new DefaultGradient(gradientsFlattened);
        g.setGradientFor(GRADIENT_KEY, gradientsFlattened);
        // the body reads the network's input: nobody uses its gradient
        INDArray dx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        return new Pair<>(g, dx);
    }

    /** Writes a BN unit's moving statistics' "gradients" from the batch's mean and (biased) variance. */
    private void movingStatistics(String unit, float[] batchMean, float[] batchVar) {
        double decay = bnConf(unit).getDecay();
        Dnnl.setFloats(gradientViews.get(unit + "_" + MEAN),
                MovingStatistics.meanStep(Dnnl.floats(param(unit, MEAN)), batchMean, decay));
        Dnnl.setFloats(gradientViews.get(unit + "_" + LOG_STD),
                MovingStatistics.log10StdStep(Dnnl.floats(param(unit, LOG_STD)), batchVar, decay));
    }

    /** A BN unit's moving variance, from its log10(std). */
    private float[] variance(String unit) {
        float[] v = Dnnl.floats(param(unit, LOG_STD));
        for (int c = 0; c < v.length; c++) {
            v[c] = (float) Math.pow(10.0, 2.0 * v[c]);
        }
        return v;
    }

    /** A branch BN unit's parameter {@code key}. */
    private float[] floats(String unit, String key) {
        return Dnnl.floats(param(unit, key));
    }

    /** What {@code of} gives for each branch BN unit, side by side. */
    private float[] gather(Function<String, float[]> of) {
        List<String> units = layerConf().getBranchBns();
        float[][] parts = new float[units.size()][];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = of.apply(units.get(i));
            n += parts[i].length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** Puts the concatenated BN's gradient of {@code key} into the branch units' gradient views. */
    private void scatter(INDArray joined, String key) {
        float[] all = Dnnl.floats(joined);
        int at = 0;
        for (String unit : layerConf().getBranchBns()) {
            INDArray view = gradientViews.get(unit + "_" + key);
            int c = (int) view.length();
            Dnnl.setFloats(view, Arrays.copyOfRange(all, at, at + c));
            at += c;
        }
    }

    private FusedKernels kernels() {
        if (kernels == null) {
            kernels = new FusedKernels(layerConf(), activations());
        }
        return kernels;
    }

    private FusedBuffers buffers(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("the fused body takes [N, H, W, C] input, got " + x.shapeInfoToString());
        }
        if (x.size(1) % 4 != 0 || x.size(2) % 4 != 0) {
            throw new IllegalArgumentException("the fused body takes input whose sides are multiples of 4 (two 2x2 "
                    + "poolings), got " + x.shapeInfoToString());
        }
        List<Long> key = List.of(x.size(0), x.size(1), x.size(2));
        return buffers.computeIfAbsent(key, s -> new FusedBuffers(layerConf(), s.get(0), s.get(1), s.get(2),
                activations()));
    }

    /** The element type of what only the branch convolutions read: bf16 where they compute in bf16. */
    private static DataType activations() {
        return NativeRuntime.precision() == Precision.BF16 ? DataType.BFLOAT16 : DataType.FLOAT;
    }

    @Override
    public void clear() {
        super.clear();
        trained = null;
    }
}
