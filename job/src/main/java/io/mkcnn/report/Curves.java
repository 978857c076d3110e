package io.mkcnn.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code report.html} draws beside the raw metrics lines, computed here so the page only draws: the training
 * loss smoothed, the accuracy axis fitted to the evaluations, and the best validation evaluation to mark.
 */
public final class Curves {
    private Curves() {
    }

    /** The page's derived series for a run's metrics lines. */
    public static Map<String, Object> of(List<Map<String, Object>> lines) {
        List<Double> losses = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        Map<String, Object> best = null;
        double bestAccuracy = Double.NEGATIVE_INFINITY;
        for (Map<String, Object> line : lines) {
            if (RoundLine.TYPE.equals(line.get("type")) && line.get("loss") instanceof Number n) {
                losses.add(n.doubleValue());
            } else if (EvaluationLine.TYPE.equals(line.get("type")) && line.get("accuracy") instanceof Number a) {
                accuracies.add(a.doubleValue());
                if (EvaluationLine.VALIDATION.equals(line.get("set")) && a.doubleValue() > bestAccuracy) {
                    bestAccuracy = a.doubleValue();
                    best = line;
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("smoothed_loss", smoothed(losses, span(losses.size())));
        m.put("smoothing_rounds", span(losses.size()));
        m.put("accuracy_axis", axis(accuracies));
        if (best != null) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("epoch", best.get("epoch"));
            b.put("round", best.get("round"));
            b.put("accuracy", best.get("accuracy"));
            b.put("elapsed_seconds", best.get("elapsed_seconds"));
            m.put("best", b);
        }
        return m;
    }

    /** Rounds the smoothing spans: a twenty-fifth of the run, at least 5 and at most 100. */
    static int span(int rounds) {
        return Math.max(5, Math.min(100, rounds / 25));
    }

    /**
     * An exponential moving average with weight {@code 2 / (span + 1)} on each new value, divided by the weights
     * so far so that its start is not pulled towards zero (as TensorBoard's smoothing).
     */
    static List<Double> smoothed(List<Double> values, int span) {
        double alpha = 2.0 / (span + 1);
        double average = 0;
        double weight = 0;
        List<Double> out = new ArrayList<>(values.size());
        for (double v : values) {
            if (!Double.isFinite(v)) {
                out.add(null);
                continue;
            }
            average = (1 - alpha) * average + alpha * v;
            weight = (1 - alpha) * weight + alpha;
            out.add(average / weight);
        }
        return out;
    }

    /**
     * The accuracy axis: the evaluations' range widened by a tenth of it (at least 0.01) on each side, rounded out to
     * whole percents, within [0, 1]; the whole [0, 1] without evaluations.
     */
    static List<Double> axis(List<Double> accuracies) {
        if (accuracies.isEmpty()) {
            return List.of(0.0, 1.0);
        }
        double lo = accuracies.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = accuracies.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double margin = Math.max(0.01, (hi - lo) / 10);
        return List.of(Math.max(0, Math.floor((lo - margin) * 100) / 100),
                Math.min(1, Math.ceil((hi + margin) * 100) / 100));
    }
}
