package io.mkcnn.bn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Writes pooled BN statistics into a network whose parameters were just averaged, and reports how far each
 * layer's variance moved from the plain average DL4J left there.
 *
 * <p>Update rule, per BN layer and channel, over all values {@code x} the workers fed into that layer during
 * the round (N in total, worker w contributing n_w with mean m_w and variance v_w):
 * <pre>
 *   mean = sum_w n_w m_w / N
 *   var  = sum_w n_w v_w / N  +  sum_w n_w (m_w - mean)^2 / N      (within + between workers)
 * </pre>
 * computed from the merged sums as {@code mean = S1/N}, {@code var = S2/N - mean^2}; the layer's parameters
 * become {@code mean} and {@code log10stdev = log10(sqrt(var))}.
 */
public final class BnReconciler {
    /** Floor on the variance written, so log10 stays finite for dead channels. */
    public static final double MIN_VARIANCE = 1e-12;

    private BnReconciler() {
    }

    /**
     * Applies pooled statistics to every layer that has data.
     *
     * @return per layer in network order, the mean over channels of |log(var_pooled / var_naive)| (0 means no change)
     */
    public static Map<String, Double> apply(ComputationGraph net, BnMoments pooled) {
        Map<String, Double> shift = new LinkedHashMap<>();
        for (String layer : BnLayers.names(net)) { // in network order, as the shifts are reported
            ChannelMoments moments = pooled.layers().get(layer);
            if (moments == null || !(moments.count() > 0)) {
                continue;
            }
            double[] naiveVar = BnLayers.variance(net, layer);
            double[] var = moments.variance();
            BnLayers.set(net, layer, moments.mean(), var, MIN_VARIANCE);
            double s = 0;
            for (int c = 0; c < var.length; c++) {
                s += Math.abs(Math.log(Math.max(var[c], MIN_VARIANCE) / Math.max(naiveVar[c], MIN_VARIANCE)));
            }
            shift.put(layer, s / var.length);
        }
        return shift;
    }
}
