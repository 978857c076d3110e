package io.mkcnn.train;

import io.mkcnn.bn.BnMoments;
import java.io.Serializable;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sums of the workers' results of one round, combined with {@code treeAggregate}: parameters, updater state,
 * score, BN statistics, examples, fit time and each executor's precision. Workers with no data return no result and are not counted.
 */
public final class RoundAggregate implements Serializable {
    private INDArray paramsSum;
    /**
     * The workers' bf16 changes from the broadcast parameters: one worker's as it came (so a task's partial aggregate
     * travels to the driver in 16 bits), or, once two are combined, their sum in fp32.
     */
    private short[] change;
    private float[] changeSum;
    private INDArray updaterSum;
    private double scoreSum;
    private int results;
    private final BnMoments moments = new BnMoments();
    private long examples;
    private long fitNanosMax;
    private long batches;
    private final java.util.TreeMap<String, String> precisions = new java.util.TreeMap<>();
    private final java.util.TreeMap<String, String> engines = new java.util.TreeMap<>();

    /** Adds one worker's result (the seqOp). */
    public static RoundAggregate add(RoundAggregate agg, ParameterAveragingTrainingResult result) {
        RoundResult r = (RoundResult) result;
        if (r.getParameters() == null && r.changes() == null) {
            return agg;
        }
        if (r.changes() != null) {
            agg.addChange(r.changes(), null);
        } else {
            agg.paramsSum = sum(agg.paramsSum, r.getParameters());
        }
        agg.updaterSum = sum(agg.updaterSum, r.getUpdaterState());
        agg.scoreSum += r.getScore();
        agg.results++;
        agg.moments.merge(r.moments());
        agg.examples += r.examples();
        agg.batches += r.batches();
        agg.fitNanosMax = Math.max(agg.fitNanosMax, r.fitNanos());
        agg.precisions.put(r.worker(), r.precision());
        agg.engines.put(r.worker(), r.engine());
        return agg;
    }

    private static final java.util.concurrent.atomic.LongAdder DRIVER_MERGE_NANOS =
            new java.util.concurrent.atomic.LongAdder();
    private static final java.util.concurrent.atomic.LongAdder DRIVER_MERGES = new java.util.concurrent.atomic.LongAdder();

    /** Time this JVM has spent merging results outside Spark tasks (on the driver), for the round cost model. */
    public static long driverMergeNanos() {
        return DRIVER_MERGE_NANOS.sum();
    }

    /** Merges this JVM has done outside Spark tasks. */
    public static int driverMerges() {
        return DRIVER_MERGES.intValue();
    }

    /** Combines two partial aggregates (the combOp). */
    public static RoundAggregate merge(RoundAggregate a, RoundAggregate b) {
        if (org.apache.spark.TaskContext.get() != null) {
            return mergeInto(a, b);
        }
        long start = System.nanoTime();
        RoundAggregate merged = mergeInto(a, b);
        DRIVER_MERGE_NANOS.add(System.nanoTime() - start);
        DRIVER_MERGES.increment();
        return merged;
    }

    private static RoundAggregate mergeInto(RoundAggregate a, RoundAggregate b) {
        a.paramsSum = sum(a.paramsSum, b.paramsSum);
        a.addChange(b.change, b.changeSum);
        a.updaterSum = sum(a.updaterSum, b.updaterSum);
        a.scoreSum += b.scoreSum;
        a.results += b.results;
        a.moments.merge(b.moments);
        a.examples += b.examples;
        a.batches += b.batches;
        a.fitNanosMax = Math.max(a.fitNanosMax, b.fitNanosMax);
        a.precisions.putAll(b.precisions);
        a.engines.putAll(b.engines);
        return a;
    }

    /** Adds a single bf16 change or an fp32 sum of changes (either may be null). */
    private void addChange(short[] bits, float[] sum) {
        if (bits == null && sum == null) {
            return;
        }
        if (change == null && changeSum == null && bits != null) {
            change = bits;
            return;
        }
        if (changeSum == null) {
            changeSum = new float[bits != null ? bits.length : sum.length];
            if (change != null) {
                Bf16Changes.addTo(change, changeSum);
                change = null;
            }
        }
        if (bits != null) {
            Bf16Changes.addTo(bits, changeSum);
        }
        if (sum != null) {
            if (sum.length != changeSum.length) {
                throw new IllegalArgumentException("changes of " + sum.length + " and " + changeSum.length + " values");
            }
            for (int i = 0; i < sum.length; i++) {
                changeSum[i] += sum[i];
            }
        }
    }

    private static INDArray sum(INDArray acc, INDArray x) {
        if (x == null) {
            return acc;
        }
        return acc == null ? x.dup() : acc.addi(x);
    }

    public int results() {
        return results;
    }

    /** Mean of the workers' parameters, or null when no worker returned any. */
    public INDArray averageParams() {
        return paramsSum == null ? null : paramsSum.div(results);
    }

    /**
     * The workers' mean parameters given the parameters they started the round from: {@code start} plus their
     * mean change when they sent changes ({@code train.transfer=bf16}), else {@link #averageParams()}.
     */
    public INDArray averageParams(INDArray start) {
        if (change == null && changeSum == null) {
            return averageParams();
        }
        float[] total = changeSum;
        if (total == null) {
            total = new float[change.length];
            Bf16Changes.addTo(change, total);
        }
        float[] mean = change != null ? total : total.clone(); // the aggregate's own sum is left as it was
        float[] from = start.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
        for (int i = 0; i < mean.length; i++) {
            mean[i] = from[i] + mean[i] / results;
        }
        return org.nd4j.linalg.factory.Nd4j.createFromArray(mean).reshape(start.shape()).castTo(start.dataType());
    }

    public INDArray averageUpdaterState() {
        return updaterSum == null ? null : updaterSum.div(results);
    }

    public double averageScore() {
        return results == 0 ? Double.NaN : scoreSum / results;
    }

    public BnMoments moments() {
        return moments;
    }

    public long examples() {
        return examples;
    }

    /** Mean number of minibatches (parameter updates) per worker in this round. */
    public double meanBatches() {
        return results == 0 ? 0 : batches / (double) results;
    }

    /** The convolutions' precision of each executor that returned a result ("executorId@host" to precision). */
    public java.util.Map<String, String> precisions() {
        return java.util.Collections.unmodifiableMap(precisions);
    }

    /** What trained on each executor that returned a result ("executorId@host" to "fused" or "layers"). */
    public java.util.Map<String, String> engines() {
        return java.util.Collections.unmodifiableMap(engines);
    }

    /** Longest worker fit time, in nanoseconds (the round's critical path on the executors). */
    public long fitNanosMax() {
        return fitNanosMax;
    }
}
