package io.mkcnn.bn;

import io.mkcnn.model.FusedBodyImpl;
import io.mkcnn.model.FusedNet;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes the moving statistics of a network's BN layers. DL4J keeps them as the parameters
 * {@code mean} and {@code log10stdev} (log10 of the standard deviation, epsilon not included), so the
 * variance is 10^(2*log10stdev). In a network with a fused body ({@link FusedNet}) the BN layers are the body's
 * BN units, under the same names.
 */
public final class BnLayers {
    private BnLayers() {
    }

    /** Names of the BN layers (the BN units of a fused body), in topological order. */
    public static List<String> names(ComputationGraph net) {
        FusedBodyImpl body = FusedNet.body(net);
        if (body != null) {
            return body.bnUnits();
        }
        List<String> names = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                names.add(l.getConfig().getLayerName());
            }
        }
        return names;
    }

    /** A BN layer's configuration (a fused body's unit's). */
    private static BatchNormalization conf(ComputationGraph net, String layer) {
        FusedBodyImpl body = FusedNet.body(net);
        return body != null ? body.bnConf(layer) : (BatchNormalization) net.getLayer(layer).conf().getLayer();
    }

    /** A BN layer's parameter (a fused body's unit's). */
    private static INDArray param(ComputationGraph net, String layer, String key) {
        FusedBodyImpl body = FusedNet.body(net);
        return body != null ? body.param(layer, key) : net.getLayer(layer).getParam(key);
    }

    /** The dimensions of a BN layer's rank-4 input that are not its channel: (0, 2, 3) for NCHW, (0, 1, 2) for NHWC. */
    public static int[] nonChannelDims(ComputationGraph net, String layer) {
        return conf(net, layer).getCnn2DFormat() == CNN2DFormat.NHWC ? new int[] {0, 1, 2} : new int[] {0, 2, 3};
    }

    /** The moving decay d of a BN layer: mean &lt;- d*mean + (1-d)*batchMean. */
    public static double decay(ComputationGraph net, String layer) {
        return conf(net, layer).getDecay();
    }

    public static double[] mean(ComputationGraph net, String layer) {
        return param(net, layer, BatchNormalizationParamInitializer.GLOBAL_MEAN).toDoubleVector();
    }

    public static double[] variance(ComputationGraph net, String layer) {
        double[] log10Std = param(net, layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD).toDoubleVector();
        double[] v = new double[log10Std.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.pow(10.0, 2.0 * log10Std[i]);
        }
        return v;
    }

    /** Writes a layer's moving mean and variance into its parameters (in place, so views stay valid). */
    public static void set(ComputationGraph net, String layer, double[] mean, double[] variance, double minVariance) {
        INDArray meanParam = param(net, layer, BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray logStdParam = param(net, layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        double[] log10Std = new double[variance.length];
        for (int i = 0; i < variance.length; i++) {
            log10Std[i] = 0.5 * Math.log10(Math.max(variance[i], minVariance));
        }
        meanParam.assign(Nd4j.create(mean, meanParam.shape()).castTo(meanParam.dataType()));
        logStdParam.assign(Nd4j.create(log10Std, logStdParam.shape()).castTo(logStdParam.dataType()));
    }
}
