package io.mkcnn.train;

/** A round whose averaged parameters, updater state or loss are NaN or infinite: training has diverged. */
public class NonFiniteRoundException extends RuntimeException {
    public NonFiniteRoundException(int round, double score) {
        super("round " + round + " produced non-finite parameters or loss (loss=" + score
                + "); the round was rejected and the model keeps the previous round's parameters");
    }

    public NonFiniteRoundException(String message) {
        super(message);
    }
}
