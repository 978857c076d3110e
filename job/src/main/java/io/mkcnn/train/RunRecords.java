package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.RunData;
import io.mkcnn.input.Shards;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * A run's records: the training shards and the test records, cached, with their counts and the epochs' rounds.
 */
record RunRecords(JavaRDD<CifarRecord> train, JavaRDD<CifarRecord> test, long trainCount, long testCount,
                  EpochRounds epochs) {

    /** Reads and shards the records, parsing and validating every one before anything is written. */
    static RunRecords read(JavaSparkContext sc, JobConfig cfg, RunData files) {
        JavaRDD<CifarRecord> records = files.trainRecords(sc, cfg.train().workers());
        JavaRDD<CifarRecord> train = Shards.of(records, cfg.train().partitioning(), cfg.train().workers(),
                cfg.data().labelSet().size());
        train.persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = files.testRecords(sc, cfg.train().workers())
                .persist(StorageLevel.MEMORY_ONLY());
        long trainCount = train.count();
        return new RunRecords(train, test, trainCount, test.count(), new EpochRounds(cfg, trainCount));
    }
}
