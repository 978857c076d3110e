package io.mkcnn.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.eval.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The typed metrics lines: the keys metrics.jsonl has always had,
        and the last evaluation found again after a resume. */
class MetricLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvaluationLine evaluation(int epoch, double accuracy) {
        Map<String, Object> scores = new LinkedHashMap<>();
        scores.put("examples", 100);
        scores.put("accuracy", accuracy);
        scores.put("per_class", Map.of("cat", Map.of("accuracy", accuracy)));
        scores.put("confusion_matrix", List.of(List.of(1, 2), List.of(3, 4)));
        return new EvaluationLine(EvaluationLine.TEST, epoch, epoch * 10, epoch * 1000L, epoch * 1.5, scores, 250.0, Map.of("bn1", 0.25));
    }

    private static RoundLine round(int r) {
        return new RoundLine(1, r, r, 64, 64L * r, r, 2, 2.5 - r * 0.1, 300.0, 0.2, 0.15, 0.18, 0.01, 0.002,
                Map.of("bn1", 0.1), Map.of("0@host", "bf16"));
    }

    @Test
    void linesKeepTheirKeysInOrder() {
        assertEquals(List.of("type", "epoch", "round", "round_in_epoch", "examples", "examples_seen",
                "elapsed_seconds", "workers", "loss", "examples_per_second", "round_seconds", "fit_seconds",
                "job_seconds", "reconcile_seconds", "outer_seconds", "bn_shift", "precision"),
                List.copyOf(round(1).toMap().keySet()));
        assertEquals(List.of("type", "set", "epoch", "round", "examples_seen", "elapsed_seconds", "examples", "accuracy",
                "per_class", "confusion_matrix", "examples_per_second", "bn_recompute_shift"),
                List.copyOf(evaluation(1, 0.5).toMap().keySet()));
    }

    /** A resumed run's lines come back from a checkpoint's JSON: the last evaluation is found and read whole. */
    @Test
    @SuppressWarnings("unchecked")
    void theLastEvaluationComesBackFromJson() throws Exception {
        List<Map<String, Object>> lines = new ArrayList<>();
        lines.add(round(1).toMap());
        lines.add(evaluation(1, 0.4).toMap());
        lines.add(round(2).toMap());
        lines.add(evaluation(2, 0.6).toMap());
        lines.add(round(3).toMap());
        List<Map<String, Object>> restored = new ArrayList<>();
        for (Map<String, Object> l : lines) {
            restored.add(JSON.readValue(Metrics.toCompactJson(l), Map.class));
        }
        EvaluationLine last = EvaluationLine.last(restored, EvaluationLine.TEST).orElseThrow();
        assertEquals(0.6, last.accuracy());
        assertEquals(2, last.epoch());
        assertEquals(20, last.round());
        assertEquals(JSON.readValue(Metrics.toCompactJson(evaluation(2, 0.6).toMap()), Map.class),
                JSON.readValue(Metrics.toCompactJson(last.toMap()), Map.class));
        assertTrue(EvaluationLine.last(List.of(round(1).toMap()), EvaluationLine.TEST).isEmpty());
        assertTrue(EvaluationLine.last(restored, EvaluationLine.VALIDATION).isEmpty(), "only test lines here");
        // a line written before lines named their set was a test line
        Map<String, Object> old = new LinkedHashMap<>(restored.get(1));
        old.remove("set");
        assertEquals(1, EvaluationLine.last(List.of(old), EvaluationLine.TEST).orElseThrow().epoch());
    }
}
