package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.config.TrainingApproach;

/**
 * How a run's epochs fall into rounds for {@code records} training records: with {@code train.approach=stream}
 * rounds run on across epoch ends and an epoch ends at the round boundary nearest its last record; otherwise DL4J
 * splits every epoch into whole rounds.
 */
record EpochRounds(JobConfig cfg, long records) {

    boolean stream() {
        return cfg.train().approach() == TrainingApproach.STREAM;
    }

    /** DL4J's split count: whole rounds of workers x averaging frequency minibatches, rounded down. */
    long perEpoch() {
        long batches = (records + cfg.train().batch() - 1) / cfg.train().batch();
        return Math.max(1, batches / ((long) cfg.train().workers() * cfg.train().averagingFrequency()));
    }

    /**
     * {@code train.approach=stream}: the rounds done when {@code epoch} epochs end, the round boundary nearest the
     * end of the epoch's records ({@code epoch x records / (workers x H x batch)} rounded, at least one), 0 for
     * epoch 0. When a round holds more than an epoch, consecutive epochs may end at the same boundary.
     */
    int ending(int epoch) {
        if (epoch == 0) {
            return 0;
        }
        double perRound = (double) cfg.train().workers() * cfg.train().averagingFrequency() * cfg.train().batch();
        return (int) Math.max(1, Math.round(epoch * records / perRound));
    }

    /** Parameter updates over the whole run (the learning-rate schedules span them). */
    long totalIterations() {
        int epochs = cfg.train().epochs();
        return (stream() ? ending(epochs) : perEpoch() * epochs) * cfg.train().averagingFrequency();
    }

    /** Rounds per epoch as the log reports them, e.g. "6.67 rounds per epoch (rounds run on across epoch ends)". */
    String describe() {
        int epochs = cfg.train().epochs();
        return stream() ? String.format("%.2f rounds per epoch (rounds run on across epoch ends)",
                ending(epochs) / (double) epochs) : perEpoch() + " rounds per epoch (whole rounds in each epoch)";
    }
}
