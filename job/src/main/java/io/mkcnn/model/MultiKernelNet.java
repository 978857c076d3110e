package io.mkcnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the multi-kernel batch-normalised network as a DL4J {@link ComputationGraph}.
 *
 * <pre>
 * input (NCHW) -> [to NHWC] -> stem_conv kxk -> stem_bn (BN + ReLU) -> pool1 2x2
 *   -> branch_k{conv kxk | conv kx1 -> conv 1xk} -> branch_k_bn (BN + ReLU)   for every k, in parallel
 *   -> concat -> pool2 2x2 -> head_conv 5x5 (linear or ReLU) -> global average pool -> softmax
 * </pre>
 * Convolutions followed by BN have no bias (BN's beta replaces it) and no activation. Every convolution
 * without activation (those and a linear head) is a {@link LinearConvolution}, which skips DL4J's
 * recomputation of the forward pass during backprop. Each BN and the ReLU after it are one
 * {@link BatchNormRelu} layer, named {@code *_bn}. (Networks saved before that have a {@code *_relu} layer of
 * their own after each BN, with the same parameters; they load and train as they were.)
 */
public final class MultiKernelNet {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    private MultiKernelNet() {
    }

    /** The number of classes a network of this shape scores: its head convolution's filters. */
    public static int classes(ComputationGraph net) {
        return (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) net.getLayer("head_conv").conf()
                .getLayer()).getNOut();
    }

    /** The graph configuration for a spec and options. */
    public static ComputationGraphConfiguration configuration(NetworkSpec spec, ModelOptions options) {
        return configuration(spec, options, true);
    }

    /**
     * @param linearConvolutions whether the convolutions without activation use {@link LinearConvolution}
     *     (same result, no forward recomputation in backprop); false builds DL4J's plain layers, for comparison
     */
    static ComputationGraphConfiguration configuration(NetworkSpec spec, ModelOptions options,
                                                       boolean linearConvolutions) {
        return configuration(spec, options, linearConvolutions, true);
    }

    /**
     * @param fuseBnRelu whether each BN and its ReLU are one {@link BatchNormRelu} layer; false builds DL4J's
     *     BN layer and a {@link Relu} layer after it, as networks were built before, for comparison
     */
    static ComputationGraphConfiguration configuration(NetworkSpec spec, ModelOptions options,
                                                       boolean linearConvolutions, boolean fuseBnRelu) {
        ComputationGraphConfiguration.GraphBuilder g = base(options).graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(spec.inputSize(), spec.inputSize(), spec.inputChannels(),
                        CNN2DFormat.NCHW));

        CNN2DFormat f = options.layout();
        ConvolutionLayer stem = conv(spec.stemKernel(), spec.stemKernel(), spec.stemFilters(), false,
                Activation.IDENTITY, linearConvolutions, f);
        if (stem instanceof LinearConvolution l) {
            l.setInputGradient(false); // it reads the network's input
        }
        g.addLayer("stem_conv", stem, INPUT);
        if (f == CNN2DFormat.NHWC) {
            g.inputPreProcessor("stem_conv", new NchwToNhwc());
        }
        g.addLayer("pool1", maxPool(f), bnRelu(g, "stem", "stem_conv", options, fuseBnRelu));

        List<String> branches = new ArrayList<>();
        for (int k : spec.branchKernels()) {
            String name = "branch" + k;
            String last;
            if (spec.factorised() && k > 1) {
                g.addLayer(name + "_conv_" + k + "x1",
                        conv(k, 1, spec.branchFilters(), false, Activation.IDENTITY, linearConvolutions, f), "pool1");
                last = name + "_conv_1x" + k;
                g.addLayer(last, conv(1, k, spec.branchFilters(), false, Activation.IDENTITY, linearConvolutions, f),
                        name + "_conv_" + k + "x1");
            } else {
                last = name + "_conv";
                g.addLayer(last, conv(k, k, spec.branchFilters(), false, Activation.IDENTITY, linearConvolutions,
                        f), "pool1");
            }
            branches.add(bnRelu(g, name, last, options, fuseBnRelu));
        }
        g.addVertex("concat", f == CNN2DFormat.NHWC ? new ConcatVertex(3) : new MergeVertex(),
                branches.toArray(new String[0]));
        g.addLayer("pool2", maxPool(f), "concat");
        g.addLayer("head_conv", conv(spec.headKernel(), spec.headKernel(), spec.classes(), true,
                options.head() == Head.RELU ? Activation.RELU : Activation.IDENTITY, linearConvolutions, f), "pool2");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "head_conv");
        g.addLayer(OUTPUT, new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .activation(Activation.SOFTMAX).build(), "gap");
        g.setOutputs(OUTPUT);
        return g.build();
    }

    /** Every layer's defaults: seed, data type, initialisation, padding, workspaces, Adam and its schedule, L2. */
    private static NeuralNetConfiguration.Builder base(ModelOptions options) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(options.seed())
                .dataType(options.dataType())
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .updater(options.warmupSteps() > 0
                        ? new Adam(new WarmupSchedule(options.warmupStart(), options.learningRate(),
                                options.warmupSteps(), options.cosineSteps()))
                        : options.cosineSteps() > 0
                        ? new Adam(new CosineSchedule(options.learningRate(), options.cosineSteps()))
                        : new Adam(options.learningRate()));
        if (options.l2() > 0) {
            base.l2(options.l2());
        }
        return base;
    }

    /** A freshly initialised network. */
    public static ComputationGraph create(NetworkSpec spec, ModelOptions options) {
        ComputationGraph net = new ComputationGraph(configuration(spec, options));
        net.init();
        return DnnlHelpers.attach(net);
    }

    private static ConvolutionLayer conv(int kh, int kw, int filters, boolean bias, Activation activation,
                                         boolean linear, CNN2DFormat format) {
        ConvolutionLayer.Builder b = new ConvolutionLayer.Builder(kh, kw).stride(1, 1).nOut(filters).hasBias(bias)
                .activation(activation).dataFormat(format);
        return linear && activation == Activation.IDENTITY ? new LinearConvolution(b) : b.build();
    }

    /**
     * Adds {@code prefix_bn}, a BN followed by a ReLU, after {@code input}: one {@link BatchNormRelu} layer, or
     * (unfused) DL4J's BN layer, which ignores an activation set on it, and a {@link Relu} layer
     * {@code prefix_relu}.
     *
     * @return the name of the vertex whose output is the ReLU's
     */
    private static String bnRelu(ComputationGraphConfiguration.GraphBuilder g, String prefix, String input,
                                 ModelOptions options, boolean fused) {
        String bn = prefix + "_bn";
        if (fused) {
            g.addLayer(bn, new BatchNormRelu(options.bnDecay(), options.bnEps(), options.layout()), input);
            return bn;
        }
        g.addLayer(bn, new BatchNormalization.Builder().decay(options.bnDecay()).eps(options.bnEps())
                .useLogStd(true).dataFormat(options.layout()).build(), input);
        g.addLayer(prefix + "_relu", new Relu(), bn);
        return prefix + "_relu";
    }

    private static SubsamplingLayer maxPool(CNN2DFormat format) {
        return new MaxPool(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .dataFormat(format));
    }

    /**
     * Refuses a network ({@code got}, e.g. a checkpoint's) whose parameters are not shaped as {@code expected}'s.
     *
     * @throws IllegalArgumentException naming the missing, unexpected or differently shaped parameters
     */
    public static void requireSameShapes(ComputationGraph expected, ComputationGraph got) {
        Map<String, INDArray> want = expected.paramTable();
        Map<String, INDArray> have = got.paramTable();
        if (!want.keySet().equals(have.keySet())) {
            Set<String> missing = new TreeSet<>(want.keySet());
            missing.removeAll(have.keySet());
            Set<String> extra = new TreeSet<>(have.keySet());
            extra.removeAll(want.keySet());
            throw new IllegalArgumentException("not this configuration's network: " + have.size()
                    + " parameter arrays, "
                    + "expected " + want.size() + "; missing " + missing.stream().limit(3).toList() + ", unexpected "
                    + extra.stream().limit(3).toList());
        }
        want.forEach((k, v) -> {
            if (!Arrays.equals(v.shape(), have.get(k).shape())) {
                throw new IllegalArgumentException("model parameter " + k + " has shape "
                        + Arrays.toString(have.get(k).shape()) + ", expected " + Arrays.toString(v.shape()));
            }
        });
    }
}
