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
    private final String engine;
    private final short[] changes;

    /**
     * @param worker the executor that trained ("executorId@host")
     * @param precision the convolutions' precision that executor's JVM chose
     * @param engine what trained: "fused" or "layers"
     */
    public RoundResult(INDArray parameters, INDArray updaterState, double score, BnMoments moments, long examples,
                       long batches, long fitNanos, String worker, String precision, String engine) {
        this(parameters, null, updaterState, score, moments, examples, batches, fitNanos, worker, precision, engine);
    }

    /**
     * @param parameters the worker's parameters (fp32 transfer), or null
     * @param changes its change from the broadcast parameters in bf16 with error feedback ({@link Bf16Changes}), or
     *     null
     */
    public RoundResult(INDArray parameters, short[] changes, INDArray updaterState, double score, BnMoments moments,
                       long examples, long batches, long fitNanos, String worker, String precision,
                       String engine) {
        super(parameters, updaterState, score, null, null, null);
        this.changes = changes;
        this.worker = worker;
        this.precision = precision;
        this.engine = engine;
        this.moments = moments;
        this.examples = examples;
        this.batches = batches;
        this.fitNanos = fitNanos;
    }

    /** The change from the broadcast parameters in bf16, or null when the parameters travel in fp32. */
    public short[] changes() {
        return changes;
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

    public String engine() {
        return engine;
    }
}
