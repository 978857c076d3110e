package io.mkcnn.train;

/** A run stopped by a signal at a round boundary, its last completed round checkpointed. */
public final class StoppedException extends RuntimeException {
    StoppedException(String signal, int round) {
        super("stopped by " + signal + (round > 0 ? " after round " + round : " before the first round")
                + "; rerun the same command to resume");
    }
}
