package io.mkcnn.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code metrics.jsonl} line written after every evaluation ({@code "type": "evaluation"}), on the validation
 * or the test records ({@code "set"}; lines written before validation sets existed have none and were test lines).
 *
 * @param set {@link #VALIDATION} or {@link #TEST}
 * @param epoch epochs done
 * @param round rounds done
 * @param examplesSeen examples trained so far
 * @param elapsedSeconds the run's wall-clock seconds so far
 * @param scores the evaluation ({@code eval.Metrics#evaluation}: examples, accuracy, per_class, confusion_matrix)
 * @param examplesPerSecond evaluation throughput
 * @param bnRecomputeShift per BN layer, how far {@code bn.mode=recompute} moved the statistics (empty otherwise)
 */
public record EvaluationLine(String set, int epoch, int round, long examplesSeen, double elapsedSeconds,
                             Map<String, Object> scores, double examplesPerSecond,
                             Map<String, Double> bnRecomputeShift) {
    public static final String TYPE = "evaluation";
    public static final String VALIDATION = "validation";
    public static final String TEST = "test";
    private static final List<String> SCORES = List.of("examples", "accuracy", "per_class", "confusion_matrix");

    public double accuracy() {
        return ((Number) scores.get("accuracy")).doubleValue();
    }

    /** The line as {@code metrics.jsonl} holds it, keys in this order. */
    public Map<String, Object> toMap() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", TYPE);
        line.put("set", set);
        line.put("epoch", epoch);
        line.put("round", round);
        line.put("examples_seen", examplesSeen);
        line.put("elapsed_seconds", elapsedSeconds);
        line.putAll(scores);
        line.put("examples_per_second", examplesPerSecond);
        line.put("bn_recompute_shift", bnRecomputeShift);
        return line;
    }

    /** The last evaluation of {@code set} among a run's lines (as {@link #toMap} wrote them, or from a checkpoint). */
    @SuppressWarnings("unchecked")
    public static Optional<EvaluationLine> last(List<Map<String, Object>> lines, String set) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Map<String, Object> m = lines.get(i);
            if (TYPE.equals(m.get("type")) && set.equals(m.getOrDefault("set", TEST))) {
                Map<String, Object> scores = new LinkedHashMap<>();
                SCORES.forEach(k -> scores.put(k, m.get(k)));
                return Optional.of(new EvaluationLine(set, number(m, "epoch").intValue(), number(m, "round").intValue(),
                        number(m, "examples_seen").longValue(), number(m, "elapsed_seconds").doubleValue(), scores,
                        number(m, "examples_per_second").doubleValue(),
                        (Map<String, Double>) m.getOrDefault("bn_recompute_shift", Map.of())));
            }
        }
        return Optional.empty();
    }

    private static Number number(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) {
            throw new IllegalStateException("metrics line without a number for " + key + ": " + m);
        }
        return n;
    }
}
