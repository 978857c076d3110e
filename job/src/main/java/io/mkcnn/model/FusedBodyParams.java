package io.mkcnn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of a {@link FusedBody}: each unit's parameters, made by the unit's own initializer on its slice
 * of the layer's flat array, in unit order, named {@code unit_param}.
 */
final class FusedBodyParams implements ParamInitializer {
    static final FusedBodyParams INSTANCE = new FusedBodyParams();

    private FusedBodyParams() {
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        long n = 0;
        for (NeuralNetConfiguration u : ((FusedBody) layer).getUnits()) {
            n += u.getLayer().initializer().numParams(u);
        }
        return n;
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return keys(layer, (u, l) -> u.initializer().paramKeys(u));
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return keys(layer, (u, l) -> u.initializer().weightKeys(u));
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return keys(layer, (u, l) -> u.initializer().biasKeys(u));
    }

    private static List<String> keys(Layer layer, BiFunction<Layer, Layer, List<String>> of) {
        List<String> keys = new ArrayList<>();
        for (NeuralNetConfiguration u : ((FusedBody) layer).getUnits()) {
            for (String k : of.apply(u.getLayer(), layer)) {
                keys.add(u.getLayer().getLayerName() + "_" + k);
            }
        }
        return keys;
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        Layer u = ((FusedBody) layer).unitOf(key);
        return u.initializer().isWeightParam(u, FusedBody.unitParam(key));
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        Layer u = ((FusedBody) layer).unitOf(key);
        return u.initializer().isBiasParam(u, FusedBody.unitParam(key));
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        return split(conf, paramsView, (u, view) -> u.getLayer().initializer().init(u, view, initializeParams));
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf, gradientView, (u, view) -> u.getLayer().initializer().getGradientsFromFlattened(u, view));
    }

    /** Each unit's arrays from its slice of {@code flat}, in unit order, with the unit's name in front. */
    private static Map<String, INDArray> split(NeuralNetConfiguration conf, INDArray flat,
                                               BiFunction<NeuralNetConfiguration, INDArray, Map<String, INDArray>> of) {
        Map<String, INDArray> all = new LinkedHashMap<>();
        long at = 0;
        for (NeuralNetConfiguration u : ((FusedBody) conf.getLayer()).getUnits()) {
            long n = u.getLayer().initializer().numParams(u);
            INDArray view = flat.get(NDArrayIndex.interval(0, 0, true), NDArrayIndex.interval(at, at + n));
            of.apply(u, view).forEach((k, v) -> all.put(u.getLayer().getLayerName() + "_" + k, v));
            at += n;
        }
        if (at != flat.length()) {
            throw new IllegalArgumentException("fused body: " + flat.length() + " values for " + at + " parameters");
        }
        return all;
    }
}
