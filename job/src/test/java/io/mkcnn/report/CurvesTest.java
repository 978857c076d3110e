package io.mkcnn.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's derived curves: the smoothed loss, the fitted accuracy axis, the best validation evaluation. */
class CurvesTest {
    @Test
    void theSmoothedLossStartsAtTheFirstValueAndFollowsALevel() {
        List<Double> s = Curves.smoothed(List.of(2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), 3);
        assertEquals(2.0, s.get(0), 1e-12, "not pulled towards zero at the start");
        assertEquals(2.0, s.get(1), 1e-12);
        // weight 0.5 on each new value: (0.25*2 + 0.5*1 ... ) 1.25 over the weights so far, 0.875
        assertEquals(10.0 / 7, s.get(2), 1e-12);
        assertEquals(1.0, s.get(11), 2e-3);
        List<Double> withNan = Curves.smoothed(java.util.Arrays.asList(1.0, Double.NaN, 1.0), 3);
        assertNull(withNan.get(1));
        assertEquals(1.0, withNan.get(2), 1e-12);
        assertEquals(5, Curves.span(10));
        assertEquals(40, Curves.span(1000));
        assertEquals(100, Curves.span(100_000));
    }

    @Test
    void theAccuracyAxisFitsTheEvaluations() {
        assertEquals(List.of(0.0, 1.0), Curves.axis(List.of()));
        // 0.62 .. 0.79: a tenth of the range (0.017) on each side, rounded out to whole percents
        assertEquals(List.of(0.60, 0.81), Curves.axis(List.of(0.62, 0.7, 0.79)));
        assertEquals(List.of(0.49, 0.51), Curves.axis(List.of(0.5)), "at least a point each side");
        assertEquals(List.of(0.0, 1.0), Curves.axis(List.of(0.0, 1.0)));
    }

    @Test
    void theBestIsTheFirstHighestValidationEvaluation() {
        List<Map<String, Object>> lines = new ArrayList<>();
        lines.add(line("round", null, 1, 0, 2.3));
        lines.add(line("evaluation", "validation", 1, 0.60, 0));
        lines.add(line("evaluation", "test", 1, 0.90, 0)); // a test line is never the best
        lines.add(line("evaluation", "validation", 2, 0.70, 0));
        lines.add(line("evaluation", "validation", 3, 0.70, 0));
        lines.add(line("evaluation", "validation", 4, 0.65, 0));
        Map<String, Object> curves = Curves.of(lines);
        @SuppressWarnings("unchecked")
        Map<String, Object> best = (Map<String, Object>) curves.get("best");
        assertEquals(2, best.get("epoch"));
        assertEquals(0.70, best.get("accuracy"));
        assertEquals(List.of(2.3), curves.get("smoothed_loss"));
        assertNull(Curves.of(List.of(line("evaluation", "test", 1, 0.5, 0))).get("best"), "no validation: no best");
    }

    private static Map<String, Object> line(String type, String set, int epoch, double accuracy, double loss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        if (set != null) {
            m.put("set", set);
        }
        m.put("epoch", epoch);
        m.put("round", epoch * 10);
        if (type.equals("round")) {
            m.put("loss", loss);
        } else {
            m.put("accuracy", accuracy);
            m.put("elapsed_seconds", epoch * 60.0);
        }
        return m;
    }
}
