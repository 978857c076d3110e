package io.mkcnn.train;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** A round whose averaged parameters, updater state or loss are NaN or infinite: training has diverged. */
public class NonFiniteRoundException extends JobException {
    public NonFiniteRoundException(int round, double score) {
        super(ExitCode.DIVERGED, "round " + round + " produced non-finite parameters or loss (loss=" + score
                + "); the round was rejected and the model keeps the previous round's parameters");
    }

    public NonFiniteRoundException(String message) {
        super(ExitCode.DIVERGED, message);
    }

    @Override
    public String report() {
        return "error: training diverged: " + getMessage();
    }
}
