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

    /** The records evaluated after epochs, decoded and checked. */
    JavaRDD<CifarRecord> testRecords(JavaSparkContext sc, int partitions);
}
