package io.mkcnn.train;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** A run stopped by a signal at a round boundary, its last completed round checkpointed. */
public final class StoppedException extends JobException {
    StoppedException(String signal, int round) {
        super(ExitCode.STOPPED, "stopped by " + signal
                + (round > 0 ? " after round " + round : " before the first round")
                + "; rerun the same command to resume");
    }

    @Override
    public String report() {
        return getMessage();
    }
}
