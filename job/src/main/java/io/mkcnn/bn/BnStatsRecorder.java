package io.mkcnn.bn;

import io.mkcnn.model.FusedBodyImpl;
import io.mkcnn.model.FusedNet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Recovers, for every minibatch a worker trains on, the exact per-channel mean and variance of each BN layer's
 * input, without an extra forward pass.
 *
 * <p>DL4J's backward pass updates the moving statistics as {@code mean1 = d*mean0 + (1-d)*batchMean} and
 * {@code var1 = d*var0 + (1-d)*batchVar} (the variance through {@code log10stdev}), so reading them before and
 * after {@code fit} gives {@code batchMean = (mean1 - d*mean0)/(1-d)} and likewise for the variance. Each batch
 * adds {@code examples * height * width} values per channel to {@link #moments()}.
 *
 * <p>One instance lives in one Spark task (it is deserialized with the worker), so a retried task starts from
 * nothing and its statistics reach the driver only inside that attempt's result: nothing is counted twice.
 */
public final class BnStatsRecorder implements org.deeplearning4j.spark.api.TrainingHook {
    private transient BnMoments moments;
    private transient Map<String, double[]> meanBefore;
    private transient Map<String, double[]> varBefore;
    private transient Map<String, Long> spatial;
    private transient long examples;
    private transient long batches;

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph net = (ComputationGraph) model;
        if (moments == null) {
            moments = new BnMoments();
            meanBefore = new HashMap<>();
            varBefore = new HashMap<>();
            spatial = spatialSizes(net, minibatch.getFeatures(0).shape());
        }
        for (String layer : spatial.keySet()) {
            meanBefore.put(layer, BnLayers.mean(net, layer));
            varBefore.put(layer, BnLayers.variance(net, layer));
        }
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph net = (ComputationGraph) model;
        long n = minibatch.getFeatures(0).size(0);
        for (Map.Entry<String, Long> e : spatial.entrySet()) {
            String layer = e.getKey();
            double d = BnLayers.decay(net, layer);
            double[] batchMean = invert(meanBefore.get(layer), BnLayers.mean(net, layer), d);
            double[] batchVar = invert(varBefore.get(layer), BnLayers.variance(net, layer), d);
            for (int c = 0; c < batchVar.length; c++) {
                batchVar[c] = Math.max(0.0, batchVar[c]);
            }
            moments.layer(layer, batchMean.length).addGroup((double) n * e.getValue(), batchMean, batchVar);
        }
        examples += n;
        batches++;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the training worker passes MultiDataSets to ComputationGraphs");
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        throw new UnsupportedOperationException("the training worker passes MultiDataSets to ComputationGraphs");
    }

    /** Statistics of every batch seen so far (empty before the first). */
    public BnMoments moments() {
        return moments == null ? new BnMoments() : moments;
    }

    /** Examples trained on so far. */
    public long examples() {
        return examples;
    }

    /** Minibatches trained on so far. */
    public long batches() {
        return batches;
    }

    private static double[] invert(double[] before, double[] after, double d) {
        double[] batch = new double[before.length];
        for (int c = 0; c < batch.length; c++) {
            batch[c] = (after[c] - d * before[c]) / (1.0 - d);
        }
        return batch;
    }

    /** Height*width of each BN layer's input, for NCHW network input of the given shape. */
    static Map<String, Long> spatialSizes(ComputationGraph net, long[] inputShape) {
        List<String> names = BnLayers.names(net);
        FusedBodyImpl body = FusedNet.body(net);
        if (body != null) {
            Map<String, Long> sizes = new LinkedHashMap<>();
            names.forEach(n -> sizes.put(n, FusedBodyImpl.bnSpatial(n, inputShape[2], inputShape[3])));
            return sizes;
        }
        InputType input = InputType.convolutional(inputShape[2], inputShape[3], inputShape[1]);
        Map<String, InputType> types = net.getConfiguration().getLayerActivationTypes(input);
        Map<String, Long> sizes = new java.util.LinkedHashMap<>();
        for (String name : names) {
            InputType t = types.get(name);
            long hw = t instanceof InputType.InputTypeConvolutional c ? c.getHeight() * c.getWidth() : 1L;
            sizes.put(name, hw);
        }
        return sizes;
    }
}
