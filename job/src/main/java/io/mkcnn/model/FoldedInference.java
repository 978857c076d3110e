package io.mkcnn.model;

import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.DnnlConcat;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.DnnlMaxPool;
import io.mkcnn.kernels.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The network's inference pass on the project's own kernels, each batch norm folded into the convolution before
 * it ({@code W' = W x gamma / s} and {@code b' = beta - mean x gamma / s} per output channel, {@code s} the square
 * root of the moving variance plus BN's epsilon, as DL4J's inference divides by) and its ReLU applied inside the
 * convolution's primitive (oneDNN's post-op, on the accumulator before the output is written). Activations are
 * channels-last throughout, whatever layout the network was built with; the branches' outputs are written into
 * one array of all channels. The kernels cache their primitives per shape, so one instance serves every batch
 * size. Not thread-safe: one instance per task.
 */
public final class FoldedInference implements AutoCloseable {
    /** Thrown by {@link #of} for a network this pass does not serve; the message says why. */
    public static final class Unsupported extends Exception {
        Unsupported(String why) {
            super(why, null, false, false);
        }
    }

    /** One convolution with the BN after it folded in, and whether a ReLU follows. */
    private record Conv(DnnlConvolution kernel, INDArray weights, INDArray bias, long outChannels, boolean relu) {
    }

    private final Conv stem;
    private final List<List<Conv>> branches;
    private final Conv head;
    private final DnnlMaxPool pool = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
            new int[] {0, 0}, true);
    private final DnnlConcat concat = new DnnlConcat();
    /** Activation arrays by name, reused while the batch size stays (an evaluation's batches but its last). */
    private final Map<String, INDArray> buffers = new HashMap<>();

    private FoldedInference(Conv stem, List<List<Conv>> branches, Conv head) {
        this.stem = stem;
        this.branches = branches;
        this.head = head;
    }

    /**
     * The pass of {@code net}, a network {@link MultiKernelNet} builds (standard or factorised, either head and
     * layout, BN and ReLU as one layer or apart), computing in {@code precision}.
     *
     * @throws Unsupported for another network or a float64 one
     */
    public static FoldedInference of(ComputationGraph net, Precision precision) throws Unsupported {
        if (net.params().dataType() != DataType.FLOAT) {
            throw new Unsupported("the network's parameters are " + net.params().dataType() + ", not FLOAT");
        }
        Conv stem = conv(net, "stem_conv", "stem_bn", precision);
        List<List<Conv>> branches = new ArrayList<>();
        for (int k : new int[] {1, 3, 5, 7}) {
            String name = "branch" + k;
            if (layer(net, name + "_conv") != null) {
                branches.add(List.of(conv(net, name + "_conv", name + "_bn", precision)));
            } else if (layer(net, name + "_conv_" + k + "x1") != null) {
                branches.add(List.of(conv(net, name + "_conv_" + k + "x1", null, precision),
                        conv(net, name + "_conv_1x" + k, name + "_bn", precision)));
            } else {
                throw new Unsupported("no layer " + name + "_conv");
            }
        }
        return new FoldedInference(stem, branches, conv(net, "head_conv", null, precision));
    }

    /**
     * The convolution {@code convName}, with the BN {@code bnName} folded in (null: none, and a ReLU only when the
     * convolution has it as its activation).
     */
    private static Conv conv(ComputationGraph net, String convName, String bnName, Precision precision)
            throws Unsupported {
        Layer layer = layer(net, convName);
        if (layer == null || !(layer.conf().getLayer() instanceof ConvolutionLayer c)) {
            throw new Unsupported("no convolution layer " + convName);
        }
        int[] kernel = c.getKernelSize();
        if (c.getStride()[0] != 1 || c.getStride()[1] != 1 || c.getDilation()[0] != 1 || c.getDilation()[1] != 1) {
            throw new Unsupported(convName + " has a stride or dilation other than 1");
        }
        boolean relu = c.getActivationFn() instanceof ActivationReLU;
        if (!relu && !(c.getActivationFn() instanceof ActivationIdentity)) {
            throw new Unsupported(convName + " has the activation " + c.getActivationFn());
        }
        INDArray w = layer.getParam("W").dup('c');
        long out = c.getNOut();
        INDArray b = c.hasBias() ? layer.getParam("b").dup('c').reshape(out) : Nd4j.zeros(DataType.FLOAT, out);
        if (bnName != null) {
            Layer bn = layer(net, bnName);
            Map<String, INDArray> p = bn == null ? Map.of() : bn.paramTable();
            if (!p.containsKey("gamma") || !p.containsKey("beta") || !p.containsKey("mean")) {
                throw new Unsupported("no batch-norm layer " + bnName);
            }
            // the moving variance (10^log10stdev squared where it is kept as log10stdev), with BN's epsilon added
            INDArray var;
            if (p.containsKey("log10stdev")) {
                var = Transforms.pow(Nd4j.valueArrayOf(out, 100f), p.get("log10stdev").reshape(out), true);
            } else if (p.containsKey("var")) {
                var = p.get("var").reshape(out).dup();
            } else {
                throw new Unsupported(bnName + " holds neither log10stdev nor var");
            }
            double eps = ((BatchNormalization) bn.conf().getLayer()).getEps();
            INDArray std = Transforms.sqrt(var.addi(eps), false);
            INDArray scale = p.get("gamma").reshape(out).div(std);
            w.muli(scale.reshape(out, 1, 1, 1));
            b = b.mul(scale).addi(p.get("beta").reshape(out)).subi(p.get("mean").reshape(out).mul(scale));
            relu = true;
        }
        ConvGeometry g = ConvGeometry.same(c.getNIn(), out, kernel[0], kernel[1]);
        return new Conv(DnnlConvolution.inference(g, true, precision, true, relu), w,
                b.castTo(DataType.FLOAT).dup('c'), out, relu);
    }

    /** The layer named {@code name}, or null. */
    private static Layer layer(ComputationGraph net, String name) {
        GraphVertex v = net.getVertex(name);
        return v != null && v.hasLayer() ? v.getLayer() : null;
    }

    /** The class probabilities of {@code features}: [N, 3, H, W] float32, as the network's input. */
    public INDArray output(INDArray features) {
        INDArray x = buffer("input", features.size(0), features.size(2), features.size(3), features.size(1));
        x.assign(features.permute(0, 2, 3, 1));
        x = pool("pool1", run("stem", stem, x));
        long n = x.size(0);
        long h = x.size(1);
        long w = x.size(2);
        INDArray[] parts = new INDArray[branches.size()];
        long channels = 0;
        for (int i = 0; i < parts.length; i++) {
            INDArray y = x;
            List<Conv> branch = branches.get(i);
            for (int j = 0; j < branch.size(); j++) {
                y = run("branch" + i + "." + j, branch.get(j), y);
            }
            parts[i] = y;
            channels += y.size(3);
        }
        INDArray all = buffer("concat", n, h, w, channels);
        concat.concat(parts, all);
        INDArray logits = run("head", head, pool("pool2", all)).mean(1, 2);
        return Transforms.softmax(logits, false);
    }

    private INDArray run(String name, Conv c, INDArray src) {
        INDArray dst = buffer(name, src.size(0), src.size(1), src.size(2), c.outChannels());
        // the ReLU runs inside the convolution's primitive (a post-op)
        c.kernel().forward(src, c.weights(), c.bias(), dst);
        return dst;
    }

    private INDArray pool(String name, INDArray src) {
        INDArray dst = buffer(name, src.size(0), pool.outSize(src.size(1), 0), pool.outSize(src.size(2), 1),
                src.size(3));
        pool.forward(src, dst, false);
        return dst;
    }

    /** The activation array {@code name} of {@code shape}, made once and reused while batches keep that shape. */
    private INDArray buffer(String name, long... shape) {
        INDArray b = buffers.get(name);
        if (b == null || !Arrays.equals(b.shape(), shape)) {
            b = Nd4j.createUninitialized(DataType.FLOAT, shape);
            buffers.put(name, b);
        }
        return b;
    }

    @Override
    public void close() {
        stem.kernel().close();
        branches.forEach(b -> b.forEach(c -> c.kernel().close()));
        head.kernel().close();
        pool.close();
        concat.close();
    }
}
