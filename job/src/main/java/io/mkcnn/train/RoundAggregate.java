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
    private INDArray updaterSum;
    private double scoreSum;
    private int results;
    private final BnMoments moments = new BnMoments();
    private long examples;
    private long fitNanosMax;
    private long batches;
    private final java.util.TreeMap<String, String> precisions = new java.util.TreeMap<>();

    /** Adds one worker's result (the seqOp). */
    public static RoundAggregate add(RoundAggregate agg, ParameterAveragingTrainingResult result) {
        RoundResult r = (RoundResult) result;
        if (r.getParameters() == null) {
            return agg;
        }
        agg.paramsSum = sum(agg.paramsSum, r.getParameters());
        agg.updaterSum = sum(agg.updaterSum, r.getUpdaterState());
        agg.scoreSum += r.getScore();
        agg.results++;
        agg.moments.merge(r.moments());
        agg.examples += r.examples();
        agg.batches += r.batches();
        agg.fitNanosMax = Math.max(agg.fitNanosMax, r.fitNanos());
        agg.precisions.put(r.worker(), r.precision());
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
        a.updaterSum = sum(a.updaterSum, b.updaterSum);
        a.scoreSum += b.scoreSum;
        a.results += b.results;
        a.moments.merge(b.moments);
        a.examples += b.examples;
        a.batches += b.batches;
        a.fitNanosMax = Math.max(a.fitNanosMax, b.fitNanosMax);
        a.precisions.putAll(b.precisions);
        return a;
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

    /** Longest worker fit time, in nanoseconds (the round's critical path on the executors). */
    public long fitNanosMax() {
        return fitNanosMax;
    }
}
