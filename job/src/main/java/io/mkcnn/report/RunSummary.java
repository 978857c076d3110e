package io.mkcnn.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a finished run reports in {@code metrics.json}.
 *
 * @param runId the run's id
 * @param test the last evaluation on the test records
 * @param training what the training did and how fast
 * @param trainingRecords records trained on
 * @param testRecords records evaluated
 * @param bnMode the BN reconciliation
 * @param lastRoundShift per BN layer, how far the last round's reconciliation moved the statistics
 * @param configuration every configuration key with its value
 * @param configurationHash the hash of the run-defining keys
 */
public record RunSummary(String runId, EvaluationLine test, Training training, long trainingRecords,
                         long testRecords, String bnMode, Map<String, Double> lastRoundShift,
                         Map<String, String> configuration, String configurationHash) {

    /**
     * The training's figures.
     *
     * @param epochs epochs done
     * @param rounds rounds done
     * @param examples examples trained
     * @param seconds seconds of the rounds (exports and evaluations left out)
     * @param finalLoss the last round's mean loss
     * @param forwardMacsPerExample multiply-accumulates of one example's forward pass
     * @param taskFailuresSurvived Spark tasks that failed and were retried in this attempt
     * @param executorsLost executors lost in this attempt
     * @param driverPrecision the driver's convolution precision
     * @param workerPrecision each executor's convolution precision
     */
    public record Training(int epochs, int rounds, long examples, double seconds, double finalLoss,
                           long forwardMacsPerExample, int taskFailuresSurvived, int executorsLost,
                           String driverPrecision, Map<String, String> workerPrecision) {

        public double examplesPerSecond() {
            return examples / Math.max(1e-9, seconds);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epochs", epochs);
            m.put("rounds", rounds);
            m.put("examples", examples);
            m.put("seconds", seconds);
            m.put("examples_per_second", examplesPerSecond());
            m.put("final_loss", finalLoss);
            m.put("forward_macs_per_example", forwardMacsPerExample);
            m.put("task_failures_survived", taskFailuresSurvived);
            m.put("executors_lost", executorsLost);
            m.put("driver_precision", driverPrecision);
            m.put("worker_precision", workerPrecision);
            return m;
        }
    }

    /** {@code metrics.json} as written, keys in this order. */
    public Map<String, Object> toMap() {
        Map<String, Object> test = test().toMap();
        test.remove("type");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("test", test);
        m.put("training", training.toMap());
        m.put("evaluation_examples_per_second", this.test.examplesPerSecond());
        m.put("training_records", trainingRecords);
        m.put("test_records", testRecords);
        m.put("bn", Map.of("mode", bnMode, "last_round_shift", lastRoundShift));
        m.put("configuration", new TreeMap<>(configuration));
        m.put("configuration_hash", configurationHash);
        return m;
    }
}
