package io.mkcnn.bn;

import io.mkcnn.config.NativeSettings;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.eval.NetPayload;
import io.mkcnn.input.Batches;
import io.mkcnn.model.MultiKernelNet;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

/**
 * Recomputes BN population statistics with the current (averaged) weights: a distributed forward pass in
 * training mode over a sample of training records (centre crops, as at inference), accumulating every BN
 * layer's input moments per channel. Training mode normalises each layer with its batch statistics, so the
 * inputs of deeper BN layers do not depend on the stale moving statistics being replaced.
 *
 * <p>That holds only for batches drawn from the whole population: the sample is first dealt out in a seeded
 * random order ({@link #mixed}), since records sharded or sorted by class would give batches of one or two
 * classes, and a deeper layer would see class-centred inputs that it never sees at inference.
 */
public final class BnRecompute {
    private BnRecompute() {
    }

    /** Moments of every BN layer's input over (about) {@code samples} records of {@code records}. */
    public static BnMoments moments(JavaSparkContext sc, ComputationGraph net, JavaRDD<CifarRecord> records,
                                    long totalRecords, int samples, int batch, long seed, NativeSettings settings) {
        double fraction = Math.min(1.0, samples / (double) Math.max(1, totalRecords));
        JavaRDD<CifarRecord> sample = mixed(fraction >= 1.0 ? records : records.sample(false, fraction, seed), seed);
        Broadcast<NetPayload> payload = sc.broadcast(new NetPayload(net, settings));
        try {
            return sample.mapPartitions(new MomentsPartition(payload, batch))
                    .treeAggregate(new BnMoments(), BnMoments::merge, BnMoments::merge);
        } finally {
            payload.destroy();
        }
    }

    /**
     * The records in as many partitions, each record's partition and place drawn from the seed and its identity
     * (file and index) alone: for a given number of partitions, the same batches whatever partition or place each
     * record had before.
     */
    static JavaRDD<CifarRecord> mixed(JavaRDD<CifarRecord> records, long seed) {
        return records.mapToPair(r -> new Tuple2<>(mix(seed, r), r))
                .repartitionAndSortWithinPartitions(new HashPartitioner(records.getNumPartitions()))
                .values();
    }

    /** A 64-bit hash of the seed and the record's identity (SplitMix64's finaliser over both). */
    static long mix(long seed, CifarRecord r) {
        long z = seed * 0x9E3779B97F4A7C15L + r.source().hashCode() * 0xBF58476D1CE4E5B9L + r.index();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Recomputes and writes the statistics into {@code net}; returns the per-layer shift as {@link BnReconciler}. */
    public static Map<String, Double> apply(JavaSparkContext sc, ComputationGraph net, JavaRDD<CifarRecord> records,
                                            long totalRecords, int samples, int batch, long seed, NativeSettings settings) {
        return BnReconciler.apply(net, moments(sc, net, records, totalRecords, samples, batch, seed, settings));
    }

    /** BN input moments of the batches of one partition. */
    static final class MomentsPartition implements FlatMapFunction<Iterator<CifarRecord>, BnMoments> {
        private final Broadcast<NetPayload> payload;
        private final int batch;

        MomentsPartition(Broadcast<NetPayload> payload, int batch) {
            this.payload = payload;
            this.batch = batch;
        }

        @Override
        public Iterator<BnMoments> call(Iterator<CifarRecord> records) {
            BnMoments moments = new BnMoments();
            if (!records.hasNext()) {
                return Collections.singletonList(moments).iterator();
            }
            ComputationGraph net = payload.value().network();
            Iterator<DataSet> batches = Batches.evaluation(records, batch, MultiKernelNet.classes(net));
            while (batches.hasNext()) {
                accumulate(net, batches.next().getFeatures(), moments);
            }
            return Collections.singletonList(moments).iterator();
        }
    }

    /** Adds the BN input moments of one batch, forwarded in training mode, to {@code moments}. */
    public static void accumulate(ComputationGraph net, INDArray features, BnMoments moments) {
        Map<String, INDArray> acts = net.feedForward(new INDArray[] {features}, true, false);
        for (String layer : BnLayers.names(net)) {
            List<String> inputs = net.getConfiguration().getVertexInputs().get(layer);
            INDArray x = acts.get(inputs.get(0));
            int[] dims = BnLayers.nonChannelDims(net, layer);
            long n = x.size(dims[0]) * x.size(dims[1]) * x.size(dims[2]);
            double[] mean = x.mean(dims).toDoubleVector();
            double[] var = x.var(false, dims).toDoubleVector();
            moments.layer(layer, mean.length).addGroup(n, mean, var);
        }
        // feedForward returns every activation detached, in native memory that is only freed once the garbage
        // collector finds the small Java objects holding it: ~290 MB per batch of 256. Free them now (that the
        // memory then goes back to the system rests on the fixed malloc mmap threshold, see submit.sh).
        for (INDArray a : acts.values()) {
            if (a != features && a.closeable()) {
                a.close();
            }
        }
    }
}
