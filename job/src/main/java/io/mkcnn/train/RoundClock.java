package io.mkcnn.train;

/**
 * The driver's clock of the rounds: a round lasts from the previous round's end (or the start of the epoch's
 * training, after any export) to the end of its own BN reconciliation; the outer step's share is kept apart.
 */
final class RoundClock {
    private long lastEnd = System.nanoTime();
    private double outerSeconds;

    /** Starts the next round's time now (an epoch starts, or its minibatches were exported). */
    void restart() {
        lastEnd = System.nanoTime();
    }

    /** The seconds of the round that ended at {@code endNanos}; the next one starts there. */
    double lap(long endNanos) {
        double seconds = (endNanos - lastEnd) / 1e9;
        lastEnd = endNanos;
        return seconds;
    }

    void outerSeconds(double seconds) {
        outerSeconds = seconds;
    }

    /** Seconds the last outer step took (0 for plain averaging). */
    double outerSeconds() {
        return outerSeconds;
    }
}
