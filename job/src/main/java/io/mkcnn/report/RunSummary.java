package io.mkcnn.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a finished run reports in {@code metrics.json}.
 *
 * @param runId the run's id
 * @param ending why training ended
 * @param validation the last evaluation on the validation records; null without them
 * @param test the last evaluation on the test records; null without them
 * @param best {@code best-model.zip}'s epoch, round, validation and test accuracy; null without validation records
 * @param training what the training did and how fast
 * @param records how many records each set holds, and how many scored records are also training records
 * @param bnMode the BN reconciliation
 * @param lastRoundShift per BN layer, how far the last round's reconciliation moved the statistics
 * @param configuration every configuration key with its value
 * @param configurationHash the hash of the run-defining keys
 */
public record RunSummary(String runId, Ending ending, EvaluationLine validation, EvaluationLine test,
                         Map<String, Object> best, Training training, Records records, String bnMode,
                         Map<String, Double> lastRoundShift, Map<String, String> configuration,
                         String configurationHash) {

    /**
     * The run's records.
     *
     * @param training records trained on
     * @param validation records evaluated after epochs to choose the best model by
     * @param test test records
     * @param validationInTraining validation records that are also training records
     * @param testInTraining test records that are also training records
     */
    public record Records(long training, long validation, long test, long validationInTraining,
                          long testInTraining) {
    }

    /** Why training ended; a run ended by its time budget is not complete (a rerun continues it). */
    public enum Ending {
        EPOCHS("every epoch trained"),
        EARLY_STOP("stopped early: no better validation accuracy within train.early.stop.patience epochs"),
        BUDGET("stopped on its time budget (train.max.minutes); rerun the same command to continue");

        private final String meaning;

        Ending(String meaning) {
            this.meaning = meaning;
        }

        public String describe() {
            return meaning;
        }

        /** The value {@code metrics.json} holds: "epochs", "early_stop", "budget". */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Whether the run is done: a rerun of a complete run does nothing. */
    public boolean complete() {
        return ending != Ending.BUDGET;
    }

    /** The accuracies for the closing log line. */
    public String describeAccuracy() {
        StringBuilder b = new StringBuilder();
        if (validation != null) {
            b.append(String.format("validation accuracy %.4f", validation.accuracy()));
        }
        if (best != null) {
            b.append(String.format(" (best %.4f at epoch %s)", ((Number) best.get("validation_accuracy"))
                    .doubleValue(), best.get("epoch")));
        }
        if (test != null) {
            b.append(b.length() > 0 ? ", " : "").append(String.format("test accuracy %.4f on %d records",
                    test.accuracy(), records.test()));
        }
        return b.toString();
    }

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
     * @param workerEngine what trained on each executor: "fused" or "layers"
     */
    public record Training(int epochs, int rounds, long examples, double seconds, double finalLoss,
                           long forwardMacsPerExample, int taskFailuresSurvived, int executorsLost,
                           String driverPrecision, Map<String, String> workerPrecision,
                           Map<String, String> workerEngine) {

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
            m.put("worker_engine", workerEngine);
            return m;
        }
    }

    /**
     * {@code metrics.json} as written, keys in this order: {@code validation}, {@code best} and {@code test} where
     * the run has those records.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("complete", complete());
        m.put("ending", ending.key());
        if (validation != null) {
            m.put("validation", lineOf(validation));
        }
        if (best != null) {
            m.put("best", best);
        }
        if (test != null) {
            m.put("test", lineOf(test));
        }
        m.put("training", training.toMap());
        m.put("evaluation_examples_per_second", (validation != null ? validation : test).examplesPerSecond());
        m.put("training_records", records.training());
        m.put("validation_records", records.validation());
        m.put("test_records", records.test());
        m.put("validation_records_in_training", records.validationInTraining());
        m.put("test_records_in_training", records.testInTraining());
        m.put("bn", Map.of("mode", bnMode, "last_round_shift", lastRoundShift));
        m.put("configuration", new TreeMap<>(configuration));
        m.put("configuration_hash", configurationHash);
        return m;
    }

    private static Map<String, Object> lineOf(EvaluationLine line) {
        Map<String, Object> m = line.toMap();
        m.remove("type");
        m.remove("set");
        return m;
    }
}
