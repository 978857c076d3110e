package io.mkcnn.train;

/**
 * This invocation's time budget ({@code train.max.minutes}): after each round, whether another round and then the
 * run's end (an evaluation after an epoch, the final evaluations, the checkpoint and the outputs) still fit. The
 * costs are measured as they happen: a round is the longest of the last five (the invocation's first, which warms
 * up, only while it is the only one), an evaluation and a write the longest so far. Before the first evaluation,
 * one is assumed to cost a third of training on the records it scores (a forward pass against a training step).
 */
final class TimeBudget {
    /** Thrown after the round at which the budget ends training; the trainer then finishes the run's outputs. */
    static final class Reached extends RuntimeException {
        Reached(String message) {
            super(message, null, false, false);
        }
    }

    private final double minutes;
    private final double seconds;
    private final long start = System.nanoTime();
    private long mark = start;
    private final double[] rounds = new double[5];
    private int roundsTimed;
    private double evaluation = -1;
    private double write;
    private double evaluationGuess;

    /** @param minutes the budget; 0 for none */
    TimeBudget(double minutes) {
        this.minutes = minutes;
        this.seconds = minutes * 60;
    }

    boolean enabled() {
        return seconds > 0;
    }

    /**
     * How long an evaluation is assumed to take until one is measured: a third of training on its records.
     *
     * @param evaluatedRecords the records scored (and used by a BN recompute) at an evaluation
     * @param examplesPerRound the examples of one round
     */
    void guessEvaluation(long evaluatedRecords, long examplesPerRound) {
        evaluationGuess = evaluatedRecords / 3.0 / Math.max(1, examplesPerRound);
    }

    /** Training starts: what came before (reading the data, restoring) counts against the budget, not as a round. */
    void trainingStarts() {
        lap();
    }

    /** A round ended: its time is the time since the last mark. */
    void roundEnded() {
        double s = lap();
        if (roundsTimed == 1) {
            rounds[0] = 0; // the first round's warm-up stops counting once another round is timed
        }
        rounds[roundsTimed % rounds.length] = s;
        roundsTimed++;
    }

    private double round() {
        double max = 0;
        for (double r : rounds) {
            max = Math.max(max, r);
        }
        return max;
    }

    /** An evaluation ended (of every set due at once). */
    void evaluationEnded() {
        evaluation = Math.max(evaluation, lap());
    }

    /** A checkpoint or output was written. */
    void writeEnded() {
        write = Math.max(write, lap());
    }

    private double lap() {
        long now = System.nanoTime();
        double s = (now - mark) / 1e9;
        mark = now;
        return s;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds the run still needs after one more round: that round, an epoch's evaluation, and the end. */
    double reserveSeconds() {
        double round = round();
        double eval = evaluation >= 0 ? evaluation : evaluationGuess * round;
        return round + eval + eval + 2 * write;
    }

    /** Throws {@link Reached} when one more round would leave too little time for the run's end. */
    void check(int round) {
        if (enabled() && elapsedSeconds() + reserveSeconds() > seconds) {
            throw new Reached(String.format("train.max.minutes=%s: %.0f of %.0f seconds used after round %d, and "
                    + "another round with the end needs %.0f more", fmt(minutes), elapsedSeconds(), seconds,
                    round, reserveSeconds()));
        }
    }

    private static String fmt(double minutes) {
        return minutes == Math.rint(minutes) ? String.valueOf((long) minutes) : String.valueOf(minutes);
    }
}
