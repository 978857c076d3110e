package io.mkcnn.config;

import io.mkcnn.config.JobConfig.LrScaling;
import io.mkcnn.config.JobConfig.Partitioning;
import java.io.Serializable;

/**
 * How the workers train and meet ({@code train.*} apart from the outer step, and {@code eval.every.epochs}).
 *
 * @param epochs passes over the training records
 * @param workers data-parallel workers (Spark partitions trained at once)
 * @param batch minibatch per worker
 * @param averagingFrequency minibatches per worker between averagings
 * @param approach how minibatches reach the executors
 * @param partitioning how records are dealt to the workers
 * @param seed seeds initialisation, shuffling and augmentation
 * @param lrScaling how the learning rate grows with the workers
 * @param warmupEpochs epochs over which the learning rate rises from {@code model.lr} to the scaled peak
 * @param transfer precision of the changes the workers send
 * @param updaterSync when Adam's state is averaged
 * @param updaterSyncRounds rounds between averagings of Adam's state when periodic
 * @param evalEveryEpochs epochs between evaluations (on the validation records, else the test records); 0 for only
 *     at the end
 * @param earlyStopPatience epochs without a better validation accuracy after which the run ends; 0 for never
 */
public record TrainConfig(int epochs, int workers, int batch, int averagingFrequency, TrainingApproach approach,
                          Partitioning partitioning, long seed, LrScaling lrScaling, double warmupEpochs,
                          Transfer transfer, UpdaterSync updaterSync, int updaterSyncRounds, int evalEveryEpochs,
                          int earlyStopPatience)
        implements Serializable {

    /** Minibatches per worker between averagings unless configured. */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 20;

    static TrainConfig read(Settings s) {
        int workers = s.intValue("train.workers", 2, 1, 10_000);
        Partitioning partitioning = s.enumValue("train.partitioning", Partitioning.IID);
        // several workers: the averaging-period study's recommendation (docs/scaling.md, "The averaging-period
        // sweep"), with Adam's state kept on the executors only for IID shards (on class-sorted ones it costs 8
        // points); one worker: nothing to average, so the plain steps
        boolean several = workers > 1;
        UpdaterSync sync = several && partitioning == Partitioning.IID ? UpdaterSync.LOCAL : UpdaterSync.EVERY;
        return new TrainConfig(
                s.intValue("train.epochs", 10, 1, 100_000),
                workers,
                s.intValue("train.batch", 64, 1, 65_536),
                s.intValue("train.averaging.frequency", DEFAULT_AVERAGING_FREQUENCY, 1, 1_000_000),
                s.enumValue("train.approach", TrainingApproach.STREAM),
                partitioning,
                s.longValue("train.seed", 42),
                s.enumValue("train.lr.scaling", LrScaling.NONE),
                s.doubleValue("train.lr.warmup.epochs", 0.0, 0.0, 10_000.0),
                s.enumValue("train.transfer", several ? Transfer.BF16 : Transfer.FP32),
                s.enumValue("train.updater.sync", sync),
                s.intValue("train.updater.sync.rounds", 10, 1, 1_000_000),
                s.intValue("eval.every.epochs", 1, 0, 100_000),
                s.intValue("train.early.stop.patience", 0, 0, 100_000));
    }
}
