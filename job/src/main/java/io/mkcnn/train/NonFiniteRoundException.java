package io.mkcnn.train;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /**
     * Refuses round {@code round} when its loss or any value of {@code arrays} (null ones skipped) is NaN or
     * infinite.
     */
    static void check(int round, double score, INDArray... arrays) {
        boolean finite = Double.isFinite(score);
        for (INDArray a : arrays) {
            finite &= a == null || isFinite(a);
        }
        if (!finite) {
            throw new NonFiniteRoundException(round, score);
        }
    }

    /** Whether every value is finite; for the flattened parameters, one pass in Java instead of two native ops. */
    private static boolean isFinite(INDArray a) {
        if (a.dataType() == DataType.FLOAT && a.isVector()) {
            for (float v : a.toFloatVector()) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }
        return !a.isNaN().any() && !a.isInfinite().any();
    }
}
