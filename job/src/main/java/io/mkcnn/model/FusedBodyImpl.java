package io.mkcnn.model;

import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlBatchNorm;
import io.mkcnn.kernels.DnnlCast;
import io.mkcnn.kernels.DnnlConcat;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.DnnlMaxPool;
import io.mkcnn.kernels.DnnlSum;
import io.mkcnn.kernels.Precision;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    private Kernels kernels;
    private final Map<List<Long>, Buffers> buffers = new HashMap<>();
    /** The buffers of the last training forward (its backward reads them), or null. */
    private Buffers trained;

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
        Kernels k = kernels();
        Buffers b = buffers(x);
        float[] gamma = gather(GAMMA);
        float[] beta = gather(BETA);
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
            Dnnl.setFloats(b.mean, gatherOf(MEAN, false));
            Dnnl.setFloats(b.var, gatherOf(LOG_STD, true));
            k.branchBn.forwardInference(b.joined, b.gamma, b.beta, b.mean, b.var, b.joinedOut);
        }
        k.pool2.forward(b.joinedOut, b.pooled2, training);
        k.head.forward(b.pooled2, param(FusedNet.HEAD, W), param(FusedNet.HEAD, B), b.head);
        float[] head = Dnnl.floats(b.head);
        if (layerConf().headRelu()) {
            for (int i = 0; i < head.length; i++) {
                head[i] = Math.max(head[i], 0f);
            }
            Dnnl.setFloats(b.head, head);
        }
        // the global average: each example's mean over the head's positions, per class
        long n = b.head.size(0);
        int classes = (int) b.head.size(3);
        int positions = (int) (b.head.size(1) * b.head.size(2));
        float[] mean = new float[(int) n * classes];
        for (int e = 0; e < n; e++) {
            for (int p = 0; p < positions; p++) {
                int at = (e * positions + p) * classes;
                for (int c = 0; c < classes; c++) {
                    mean[e * classes + c] += head[at + c];
                }
            }
        }
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= positions;
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {n, classes}, 'c');
        Dnnl.setFloats(out, mean);
        trained = training ? b : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Buffers b = trained;
        if (b == null) {
            throw new IllegalStateException("fused body: backward without a training forward");
        }
        Kernels k = kernels();
        // the global average's gradient: each position gets its example's class gradient over the positions, zero
        // where the head's ReLU (model.head=relu) was not positive
        float[] eps = Dnnl.floats(Dnnl.dense(epsilon));
        float[] head = layerConf().headRelu() ? Dnnl.floats(b.head) : null;
        int classes = (int) b.head.size(3);
        int positions = (int) (b.head.size(1) * b.head.size(2));
        float[] dHead = new float[(int) b.head.length()];
        for (int e = 0; e < b.head.size(0); e++) {
            for (int p = 0; p < positions; p++) {
                int at = (e * positions + p) * classes;
                for (int c = 0; c < classes; c++) {
                    float g = eps[e * classes + c] / positions;
                    dHead[at + c] = head != null && head[at + c] <= 0f ? 0f : g;
                }
            }
        }
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
            movingStatistics(unit, java.util.Arrays.copyOfRange(mean, at, at + c),
                    java.util.Arrays.copyOfRange(var, at, at + c));
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

    private float[] gather(String key) {
        return gatherOf(key, false);
    }

    /** The branch BN units' parameter {@code key}, side by side (as variances for {@code log10std}). */
    private float[] gatherOf(String key, boolean asVariance) {
        List<String> units = layerConf().getBranchBns();
        float[][] parts = new float[units.size()][];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = asVariance ? variance(units.get(i)) : Dnnl.floats(param(units.get(i), key));
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
            Dnnl.setFloats(view, java.util.Arrays.copyOfRange(all, at, at + c));
            at += c;
        }
    }

    private Kernels kernels() {
        if (kernels == null) {
            kernels = new Kernels(layerConf(), activations());
        }
        return kernels;
    }

    private Buffers buffers(INDArray x) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("the fused body takes [N, H, W, C] input, got " + x.shapeInfoToString());
        }
        if (x.size(1) % 4 != 0 || x.size(2) % 4 != 0) {
            throw new IllegalArgumentException("the fused body takes input whose sides are multiples of 4 (two 2x2 "
                    + "poolings), got " + x.shapeInfoToString());
        }
        List<Long> key = List.of(x.size(0), x.size(1), x.size(2));
        return buffers.computeIfAbsent(key, s -> new Buffers(layerConf(), s.get(0), s.get(1), s.get(2),
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

    /** The body's kernels, each keeping its primitives per input shape. */
    private static final class Kernels {
        final DnnlConvolution stem;
        final DnnlBatchNorm stemBn;
        final DnnlMaxPool pool1;
        final List<List<DnnlConvolution>> branches = new ArrayList<>();
        final DnnlConcat concat = new DnnlConcat();
        final DnnlBatchNorm branchBn;
        final DnnlMaxPool pool2;
        final DnnlConvolution head;
        final DnnlSum sum = new DnnlSum();
        final DnnlCast cast = new DnnlCast();

        Kernels(FusedBody conf, DataType act) {
            stem = conv((ConvolutionLayer) conf.unit(STEM_CONV), DnnlConvolution.Activations.FLOAT);
            BatchNormalization bn = (BatchNormalization) conf.unit(STEM_BN);
            stemBn = new DnnlBatchNorm(bn.getEps(), true, true);
            pool1 = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, true);
            for (List<String> names : conf.getBranchConvs()) {
                List<DnnlConvolution> convs = new ArrayList<>();
                for (int j = 0; j < names.size(); j++) {
                    // the first reads the pooled input and gives the fan-out's gradient in float32; the last writes
                    // the float32 part of the concatenation; between them the activation and its gradient are act
                    boolean first = j == 0;
                    boolean last = j == names.size() - 1;
                    convs.add(conv((ConvolutionLayer) conf.unit(names.get(j)), new DnnlConvolution.Activations(
                            act, last ? DataType.FLOAT : act, act, first ? DataType.FLOAT : act)));
                }
                branches.add(convs);
            }
            branchBn = new DnnlBatchNorm(((BatchNormalization) conf.unit(conf.getBranchBns().get(0))).getEps(), true,
                    true);
            pool2 = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0}, true);
            head = conv((ConvolutionLayer) conf.unit(FusedNet.HEAD), DnnlConvolution.Activations.FLOAT, true);
        }

        private static DnnlConvolution conv(ConvolutionLayer c, DnnlConvolution.Activations types) {
            return conv(c, types, false);
        }

        private static DnnlConvolution conv(ConvolutionLayer c, DnnlConvolution.Activations types, boolean bias) {
            return new DnnlConvolution(ConvGeometry.same(c.getNIn(), c.getNOut(), c.getKernelSize()[0],
                    c.getKernelSize()[1]), bias, NativeRuntime.precision(), true, types);
        }
    }

    /** The intermediate arrays of one batch shape: activations, their gradients and the BN statistics. */
    private static final class Buffers {
        final INDArray stem;
        final INDArray stemOut;
        final INDArray stemGrad;
        final INDArray stemMean;
        final INDArray stemVar;
        final INDArray pooled;
        /** What the branches read: the pooled input in the activations' type (the same array in float32). */
        final INDArray pooledIn;
        final INDArray[] pooledGrad;
        /** The branches' input gradients, last branch first. */
        final INDArray[] fanOut;
        final INDArray[] inner;
        final INDArray[] innerGrad;
        final INDArray[] branch;
        /** The branches' output gradients, split out of the concatenation's in the activations' type. */
        final INDArray[] branchGrad;
        final INDArray joined;
        final INDArray joinedOut;
        final INDArray joinedGrad;
        final INDArray gamma;
        final INDArray beta;
        final INDArray mean;
        final INDArray var;
        final INDArray dGamma;
        final INDArray dBeta;
        final INDArray pooled2;
        final INDArray pooled2Grad;
        final INDArray head;
        final INDArray headGrad;

        Buffers(FusedBody conf, long n, long h, long w, DataType act) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                long stemC = ((ConvolutionLayer) conf.unit(STEM_CONV)).getNOut();
                stem = make(n, h, w, stemC);
                stemOut = make(n, h, w, stemC);
                stemGrad = make(n, h, w, stemC);
                stemMean = Nd4j.createUninitialized(DataType.FLOAT, stemC);
                stemVar = Nd4j.createUninitialized(DataType.FLOAT, stemC);
                long ph = h / 2;
                long pw = w / 2;
                pooled = make(n, ph, pw, stemC);
                pooledIn = act == DataType.FLOAT ? pooled : make(act, n, ph, pw, stemC);
                int branches = conf.getBranchBns().size();
                pooledGrad = new INDArray[branches];
                inner = new INDArray[branches];
                innerGrad = new INDArray[branches];
                branch = new INDArray[branches];
                branchGrad = new INDArray[branches];
                long total = 0;
                for (int i = 0; i < branches; i++) {
                    List<String> convs = conf.getBranchConvs().get(i);
                    long c = ((ConvolutionLayer) conf.unit(convs.get(convs.size() - 1))).getNOut();
                    pooledGrad[i] = make(n, ph, pw, stemC);
                    branch[i] = make(n, ph, pw, c);
                    // the split may overwrite the forward's parts in float32: the convolutions' backward reads
                    // only their inputs
                    branchGrad[i] = act == DataType.FLOAT ? branch[i] : make(act, n, ph, pw, c);
                    if (convs.size() > 1) {
                        long ic = ((ConvolutionLayer) conf.unit(convs.get(0))).getNOut();
                        inner[i] = make(act, n, ph, pw, ic);
                        innerGrad[i] = make(act, n, ph, pw, ic);
                    }
                    total += c;
                }
                fanOut = new INDArray[branches];
                for (int i = 0; i < branches; i++) {
                    fanOut[i] = pooledGrad[branches - 1 - i];
                }
                joined = make(n, ph, pw, total);
                joinedOut = make(n, ph, pw, total);
                joinedGrad = make(n, ph, pw, total);
                gamma = Nd4j.createUninitialized(DataType.FLOAT, total);
                beta = Nd4j.createUninitialized(DataType.FLOAT, total);
                mean = Nd4j.createUninitialized(DataType.FLOAT, total);
                var = Nd4j.createUninitialized(DataType.FLOAT, total);
                dGamma = Nd4j.createUninitialized(DataType.FLOAT, total);
                dBeta = Nd4j.createUninitialized(DataType.FLOAT, total);
                pooled2 = make(n, ph / 2, pw / 2, total);
                pooled2Grad = make(n, ph / 2, pw / 2, total);
                long classes = ((ConvolutionLayer) conf.unit(FusedNet.HEAD)).getNOut();
                head = make(n, ph / 2, pw / 2, classes);
                headGrad = make(n, ph / 2, pw / 2, classes);
            }
        }

        private static INDArray make(long n, long h, long w, long c) {
            return make(DataType.FLOAT, n, h, w, c);
        }

        private static INDArray make(DataType type, long n, long h, long w, long c) {
            return Nd4j.createUninitialized(type, new long[] {n, h, w, c}, 'c');
        }
    }
}
