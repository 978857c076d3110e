package io.mkcnn.report;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code metrics.jsonl} line written after every averaging round ({@code "type": "round"}).
 *
 * @param epoch the epoch the round belongs to
 * @param round rounds done in the run, this one included
 * @param roundInEpoch rounds done in the epoch, this one included
 * @param examples examples the workers trained in this round
 * @param examplesSeen examples trained in the run so far
 * @param elapsedSeconds the run's wall-clock seconds so far (earlier attempts included)
 * @param workers workers that returned a result
 * @param loss the workers' mean loss
 * @param examplesPerSecond this round's examples over its seconds
 * @param roundSeconds the round's driver time, from the previous round's end
 * @param fitSeconds the slowest worker's fitting time
 * @param jobSeconds the round's Spark job (fit, transfer, aggregation)
 * @param reconcileSeconds the BN reconciliation on the driver
 * @param outerSeconds the outer step on the driver
 * @param bnShift per BN layer, how far the reconciliation moved the moving statistics
 * @param precision each executor's convolution precision ("executorId@host" to precision)
 */
public record RoundLine(int epoch, int round, int roundInEpoch, long examples, long examplesSeen,
                        double elapsedSeconds, int workers, double loss, double examplesPerSecond,
                        double roundSeconds, double fitSeconds, double jobSeconds, double reconcileSeconds,
                        double outerSeconds, Map<String, Double> bnShift, Map<String, String> precision) {
    public static final String TYPE = "round";

    /** The line as {@code metrics.jsonl} holds it, keys in this order. */
    public Map<String, Object> toMap() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", TYPE);
        line.put("epoch", epoch);
        line.put("round", round);
        line.put("round_in_epoch", roundInEpoch);
        line.put("examples", examples);
        line.put("examples_seen", examplesSeen);
        line.put("elapsed_seconds", elapsedSeconds);
        line.put("workers", workers);
        line.put("loss", loss);
        line.put("examples_per_second", examplesPerSecond);
        line.put("round_seconds", roundSeconds);
        line.put("fit_seconds", fitSeconds);
        line.put("job_seconds", jobSeconds);
        line.put("reconcile_seconds", reconcileSeconds);
        line.put("outer_seconds", outerSeconds);
        line.put("bn_shift", bnShift);
        line.put("precision", precision);
        return line;
    }
}
