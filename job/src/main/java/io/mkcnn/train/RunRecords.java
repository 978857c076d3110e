package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.RunData;
import io.mkcnn.input.Shards;
import io.mkcnn.input.TrainingOverlap;
import io.mkcnn.input.ValidationSplit;
import io.mkcnn.report.EvaluationLine;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's records: the training shards, the validation records (given, or held out of the training records) and the
 * test records, cached, with their counts and the epochs' rounds.
 *
 * @param validation null for none
 * @param test null for none
 * @param validationInTraining validation records that are also training records
 * @param testInTraining test records that are also training records (0 where the test records are the training
 *     records on purpose, {@link RunData#testIsTraining()})
 */
record RunRecords(JavaRDD<CifarRecord> train, JavaRDD<CifarRecord> validation, JavaRDD<CifarRecord> test,
                  long trainCount, long validationCount, long testCount, long validationInTraining,
                  long testInTraining, EpochRounds epochs) {
    private static final Logger LOG = LoggerFactory.getLogger(RunRecords.class);

    /**
     * Reads, splits and shards the records, parsing and validating every one before anything is written, and checks
     * that the scored records are not training records ({@link TrainingOverlap}).
     */
    static RunRecords read(JavaSparkContext sc, JobConfig cfg, RunData files) {
        int workers = cfg.train().workers();
        JavaRDD<CifarRecord> records = files.trainRecords(sc, workers);
        JavaRDD<CifarRecord> read = records;
        JavaRDD<CifarRecord> validation = files.validationRecords(sc, workers);
        double fraction = cfg.data().validationFraction();
        if (fraction > 0) {
            read.persist(StorageLevel.MEMORY_ONLY());
            ValidationSplit.Split split = ValidationSplit.split(read, heldOut(read, cfg), cfg.train().seed());
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
        TrainingOverlap overlap = new TrainingOverlap(train);
        long validationInTraining = inTraining(overlap, validation, validationCount, EvaluationLine.VALIDATION,
                fraction > 0 ? "held out of " + cfg.data().train() : cfg.data().validation());
        long testInTraining = files.testIsTraining() ? 0
                : inTraining(overlap, test, testCount, EvaluationLine.TEST, cfg.data().test());
        return new RunRecords(train, validation, test, trainCount, validationCount, testCount, validationInTraining,
                testInTraining, new EpochRounds(cfg, trainCount));
    }

    /** How many {@code scored} records are also training records, logged; refused beyond a small share. */
    private static long inTraining(TrainingOverlap overlap, JavaRDD<CifarRecord> scored, long count, String set,
                                   String path) {
        if (scored == null) {
            return 0;
        }
        TrainingOverlap.Count c = overlap.count(scored, count, set, path);
        LOG.info("{}", c.describe());
        return c.inTraining();
    }

    /**
     * What {@code data.validation.fraction} holds out of {@code records}.
     *
     * @throws io.mkcnn.config.InvalidConfigException when it holds out no record at all, or every record of a class
     */
    private static ValidationSplit.Plan heldOut(JavaRDD<CifarRecord> records, JobConfig cfg) {
        ValidationSplit.Plan plan = ValidationSplit.plan(records, cfg.data().validationFraction(),
                cfg.data().labelSet().size());
        if (plan.problem() != null) {
            throw cfg.problem("data.validation.fraction", plan.problem());
        }
        if (!plan.classesNotHeldOut().isEmpty()) {
            LOG.warn("data.validation.fraction={} holds out no record of the classes {}: the validation accuracy "
                    + "leaves them out", plan.fraction(), plan.classesNotHeldOut());
        }
        return plan;
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
