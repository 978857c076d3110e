package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.RunData;
import io.mkcnn.input.Shards;
import io.mkcnn.input.ValidationSplit;
import io.mkcnn.report.EvaluationLine;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * A run's records: the training shards, the validation records (given, or held out of the training records) and the
 * test records, cached, with their counts and the epochs' rounds.
 *
 * @param validation null for none
 * @param test null for none
 */
record RunRecords(JavaRDD<CifarRecord> train, JavaRDD<CifarRecord> validation, JavaRDD<CifarRecord> test,
                  long trainCount, long validationCount, long testCount, EpochRounds epochs) {

    /** Reads, splits and shards the records, parsing and validating every one before anything is written. */
    static RunRecords read(JavaSparkContext sc, JobConfig cfg, RunData files) {
        int workers = cfg.train().workers();
        JavaRDD<CifarRecord> records = files.trainRecords(sc, workers);
        JavaRDD<CifarRecord> read = records;
        JavaRDD<CifarRecord> validation = files.validationRecords(sc, workers);
        double fraction = cfg.data().validationFraction();
        if (fraction > 0) {
            read.persist(StorageLevel.MEMORY_ONLY());
            ValidationSplit.Split split = ValidationSplit.split(read, fraction, cfg.train().seed(),
                    cfg.data().labelSet().size());
            records = split.train();
            validation = split.validation();
        }
        JavaRDD<CifarRecord> train = Shards.of(records, cfg.train().partitioning(), workers,
                cfg.data().labelSet().size());
        train.persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = files.testRecords(sc, workers);
        if (validation != null) {
            validation.persist(StorageLevel.MEMORY_ONLY());
        }
        if (test != null) {
            test.persist(StorageLevel.MEMORY_ONLY());
        }
        long trainCount = train.count();
        long validationCount = validation == null ? 0 : validation.count();
        long testCount = test == null ? 0 : test.count();
        if (fraction > 0) {
            read.unpersist(false);
        }
        return new RunRecords(train, validation, test, trainCount, validationCount, testCount,
                new EpochRounds(cfg, trainCount));
    }

    /** The records of an evaluated set ({@link EvaluationLine#VALIDATION} or {@link EvaluationLine#TEST}). */
    JavaRDD<CifarRecord> of(String set) {
        return EvaluationLine.VALIDATION.equals(set) ? validation : test;
    }

    /** The set evaluated after epochs: the validation records when there are, else the test records. */
    String perEpochSet() {
        return validation != null ? EvaluationLine.VALIDATION : EvaluationLine.TEST;
    }

    /** Releases the cached records. */
    void unpersist() {
        train.unpersist();
        if (validation != null) {
            validation.unpersist();
        }
        if (test != null) {
            test.unpersist();
        }
    }
}
