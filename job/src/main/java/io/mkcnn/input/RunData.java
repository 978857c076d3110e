package io.mkcnn.input;

import io.mkcnn.data.CifarRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A training run's records, before sharding: the files a configuration names ({@link RunFiles}) or a DataFrame's
 * rows. The training core puts them in their canonical order itself ({@link Shards}), so where they come from does
 * not change the shares.
 */
public interface RunData {

    /** The training records, decoded and checked, in any order and partitioning. */
    JavaRDD<CifarRecord> trainRecords(JavaSparkContext sc, int partitions);

    /**
     * The held-out records evaluated after epochs, decoded and checked, when they are given apart from the training
     * records; null otherwise (a {@code data.validation.fraction} is split from the training records by the
     * training core, {@link ValidationSplit}).
     */
    default JavaRDD<CifarRecord> validationRecords(JavaSparkContext sc, int partitions) {
        return null;
    }

    /** The test records, decoded and checked; null for none (a run with a validation set may have none). */
    JavaRDD<CifarRecord> testRecords(JavaSparkContext sc, int partitions);

    /**
     * Whether the test records are the training records on purpose (a DataFrame fitted without validation rows
     * scores its own rows); otherwise test records that are also training records are refused
     * ({@link TrainingOverlap}).
     */
    default boolean testIsTraining() {
        return false;
    }
}
