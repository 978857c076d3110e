package io.mkcnn.report;

import java.util.Map;

/**
 * The training's latest figures in this JVM, as {@link MetricsPlugin} shows them to Spark's metrics system: the
 * driver loop sets them after every round, evaluation and checkpoint. One run at a time per driver: a second run in
 * the same JVM overwrites them.
 */
public final class TrainingGauges {
    private static volatile int epoch;
    private static volatile int round;
    private static volatile long examplesSeen;
    private static volatile double loss = Double.NaN;
    private static volatile double examplesPerSecond;
    private static volatile double evaluationAccuracy = Double.NaN;
    private static volatile double bnShift = Double.NaN;
    private static volatile int checkpointRound = -1;

    private TrainingGauges() {
    }

    /**
     * After a round.
     *
     * @param shift per BN layer, mean |log(reconciled variance / plain average)| over its channels (the largest is
     *     kept; empty in naive mode)
     */
    public static void round(int epochNow, int roundNow, long examples, double lossNow, double throughput,
                             Map<String, Double> shift) {
        epoch = epochNow;
        round = roundNow;
        examplesSeen = examples;
        loss = lossNow;
        examplesPerSecond = throughput;
        bnShift = shift.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** After an evaluation. */
    public static void evaluation(double accuracy) {
        evaluationAccuracy = accuracy;
    }

    /** After a checkpoint. */
    public static void checkpoint(int roundNow) {
        checkpointRound = roundNow;
    }

    public static int epoch() {
        return epoch;
    }

    public static int round() {
        return round;
    }

    public static long examplesSeen() {
        return examplesSeen;
    }

    public static double loss() {
        return loss;
    }

    public static double examplesPerSecond() {
        return examplesPerSecond;
    }

    public static double evaluationAccuracy() {
        return evaluationAccuracy;
    }

    public static double bnShift() {
        return bnShift;
    }

    public static int checkpointRound() {
        return checkpointRound;
    }
}
