package io.mkcnn.train;

import io.mkcnn.bn.BnMoments;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What one worker returns after a round: DL4J's parameters and updater state, plus BN statistics and counts. */
public class RoundResult extends ParameterAveragingTrainingResult {
    private final BnMoments moments;
    private final long examples;
    private final long batches;
    private final long fitNanos;
    private final String worker;
    private final String precision;

    /**
     * @param worker the executor that trained ("executorId@host")
     * @param precision the convolutions' precision that executor's JVM chose
     */
    public RoundResult(INDArray parameters, INDArray updaterState, double score, BnMoments moments, long examples,
                       long batches, long fitNanos, String worker, String precision) {
        super(parameters, updaterState, score, null, null, null);
        this.worker = worker;
        this.precision = precision;
        this.moments = moments;
        this.examples = examples;
        this.batches = batches;
        this.fitNanos = fitNanos;
    }

    public BnMoments moments() {
        return moments;
    }

    public long examples() {
        return examples;
    }

    public long batches() {
        return batches;
    }

    public long fitNanos() {
        return fitNanos;
    }

    public String worker() {
        return worker;
    }

    public String precision() {
        return precision;
    }
}
