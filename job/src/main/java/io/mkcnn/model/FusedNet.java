package io.mkcnn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The network with its body fused ({@link FusedBody}): {@code input -> body -> output}, the body running everything
 * from the stem convolution to the global average pooling, made
 * from the layer graph's configuration ({@link MultiKernelNet}). Both forms have the same parameters, gradients and
 * updater state at the same offsets, so a network trains in either and its flat arrays move between them as they
 * are. Models and checkpoints keep the layer graph's form; the fused form is made where a network trains.
 */
public final class FusedNet {
    public static final String BODY = "body";
    private static final List<String> TAIL = List.of(MultiKernelNet.OUTPUT);
    static final String HEAD = "head_conv";
    static final String GAP = "gap";

    private FusedNet() {
    }

    /** Why the fused body cannot run this layer graph (null when it can). */
    public static String unsupported(ComputationGraphConfiguration conf) {
        Map<String, GraphVertex> v = conf.getVertices();
        for (String name : List.of("stem_conv", "stem_bn", "pool1", "concat", "pool2", HEAD, GAP)) {
            if (!v.containsKey(name)) {
                return "the network has no vertex " + name;
            }
        }
        if (v.keySet().stream().anyMatch(n -> n.endsWith("_relu"))) {
            return "the network keeps its ReLUs as layers of their own (saved by an early build)";
        }
        if (conf.getDataType() != DataType.FLOAT) {
            return "the network computes in " + conf.getDataType() + " (the fused body in float32)";
        }
        for (Map.Entry<String, GraphVertex> e : v.entrySet()) {
            if (TAIL.contains(e.getKey())) {
                continue;
            }
            Layer l = e.getValue() instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
            if (HEAD.equals(e.getKey())) {
                if (!(l instanceof ConvolutionLayer c) || !c.hasBias() || c.getStride()[0] != 1
                        || c.getStride()[1] != 1 || c.getDilation()[0] != 1 || c.getDilation()[1] != 1
                        || c.getCnn2dDataFormat() != CNN2DFormat.NHWC || !(c.getActivationFn() instanceof
                        ActivationIdentity || FusedBody.plainRelu(c.getActivationFn()))) {
                    return "the head is not a channels-last stride-1 convolution with bias and a linear or ReLU "
                            + "activation";
                }
            } else if (GAP.equals(e.getKey())) {
                if (!(l instanceof GlobalPoolingLayer g) || g.getPoolingType() != PoolingType.AVG) {
                    return "vertex gap is not a global average pooling";
                }
            } else if (l instanceof LinearConvolution c) {
                if (c.getCnn2dDataFormat() != CNN2DFormat.NHWC) {
                    return "activations are NCHW (model.layout); the fused body runs channels-last";
                }
                if (c.hasBias() || c.getStride()[0] != 1 || c.getStride()[1] != 1 || c.getDilation()[0] != 1
                        || c.getDilation()[1] != 1) {
                    return "convolution " + e.getKey() + " is not a stride-1 convolution without bias";
                }
            } else if (l instanceof SubsamplingLayer s) {
                if (s.getPoolingType() != PoolingType.MAX || s.getKernelSize()[0] != 2
                        || s.getKernelSize()[1] != 2 || s.getStride()[0] != 2 || s.getStride()[1] != 2) {
                    return "pooling " + e.getKey() + " is not a 2x2 max pooling of stride 2";
                }
            } else if (!(l instanceof BatchNormRelu) && !"concat".equals(e.getKey())) {
                return "vertex " + e.getKey() + " is not one the fused body runs";
            }
        }
        return null;
    }

    /**
     * The fused form of a layer graph's configuration (iteration and epoch counts included).
     *
     * @throws IllegalArgumentException saying why, where {@link #unsupported} does
     */
    public static ComputationGraphConfiguration configuration(ComputationGraphConfiguration layers) {
        String why = unsupported(layers);
        if (why != null) {
            throw new IllegalArgumentException("the fused body cannot run this network: " + why);
        }
        ComputationGraphConfiguration conf = layers.clone();
        Map<String, GraphVertex> vertices = conf.getVertices();
        // the units in the graph's topological order: the order of its parameters
        List<NeuralNetConfiguration> units = new ArrayList<>();
        var indices = new ComputationGraph(conf).calculateIndices();
        for (int i : indices.getTopologicalSortOrder()) {
            String name = indices.getIdxToName().get(i);
            if (!TAIL.contains(name) && vertices.get(name) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer().initializer().numParams(lv.getLayerConf()) > 0) {
                units.add(lv.getLayerConf());
            }
        }
        List<String> branchBns = new ArrayList<>(conf.getVertexInputs().get("concat"));
        List<List<String>> branchConvs = new ArrayList<>();
        for (String bn : branchBns) {
            List<String> convs = new ArrayList<>();
            for (String at = conf.getVertexInputs().get(bn).get(0); !"pool1".equals(at);
                 at = conf.getVertexInputs().get(at).get(0)) {
                convs.add(0, at);
            }
            branchConvs.add(convs);
        }
        LayerVertex stem = (LayerVertex) vertices.get("stem_conv");
        BaseLayer stemLayer = (BaseLayer) stem.getLayerConf().getLayer();
        FusedBody body = new FusedBody(units, branchConvs, branchBns);
        body.setLayerName(BODY);
        body.setIUpdater(stemLayer.getIUpdater());
        body.setWeightInitFn(stemLayer.getWeightInitFn());
        NeuralNetConfiguration bodyConf = stem.getLayerConf().clone();
        bodyConf.setLayer(body);

        Map<String, GraphVertex> fused = new LinkedHashMap<>();
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        fused.put(BODY, new LayerVertex(bodyConf, stem.getPreProcessor()));
        inputs.put(BODY, List.of(conf.getNetworkInputs().get(0)));
        String last = BODY;
        for (String name : TAIL) {
            fused.put(name, vertices.get(name));
            inputs.put(name, List.of(last));
            last = name;
        }
        conf.setVertices(fused);
        conf.setVertexInputs(inputs);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        conf.setIterationCount(layers.getIterationCount());
        conf.setEpochCount(layers.getEpochCount());
        return conf;
    }

    /** A fused network with a copy of {@code layers}' parameters and updater state. */
    public static ComputationGraph of(ComputationGraph layers) {
        ComputationGraph net = new ComputationGraph(configuration(layers.getConfiguration()));
        net.init(layers.params().dup(), false);
        if (layers.getUpdater(false) != null && layers.getUpdater().getStateViewArray() != null) {
            net.setUpdater(new ComputationGraphUpdater(net, layers.getUpdater().getStateViewArray().dup()));
        }
        return net;
    }

    /** The fused body layer of a network, or null for a layer graph. */
    public static FusedBodyImpl body(ComputationGraph net) {
        return net.getVertex(BODY) != null && net.getVertex(BODY).getLayer() instanceof FusedBodyImpl b ? b : null;
    }
}
