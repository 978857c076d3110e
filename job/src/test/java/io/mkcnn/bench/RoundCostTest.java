package io.mkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The round cost model: its fit on hand-made points, and the bench case's measured bytes and merges. */
class RoundCostTest extends SparkTest {
    @TempDir
    Path dir;

    private static Map<String, Object> point(int workers, double overhead, double fit, double step) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("workers", workers);
        p.put("overhead_seconds", overhead);
        p.put("worker_fit_seconds", fit);
        p.put("step_seconds", step);
        return p;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theModelFitsALineAndPredictsHAndSpeedUp() {
        // overhead 0.3 s + 0.05 s per worker, a step of 0.1 s, H = 20
        List<Map<String, Object>> points = new ArrayList<>();
        for (int w : new int[] {1, 2, 4}) {
            points.add(point(w, 0.3 + 0.05 * w, 2.0, 0.1));
        }
        Map<String, Object> model = RoundCost.model(points, 20);
        assertEquals(0.3, (double) model.get("overhead_fixed_seconds"), 1e-12);
        assertEquals(0.05, (double) model.get("overhead_per_worker_seconds"), 1e-12);
        Map<String, Object> w64 = ((List<Map<String, Object>>) model.get("extrapolated")).get(3);
        assertEquals(64, w64.get("workers"));
        assertEquals(0.3 + 0.05 * 64, (double) w64.get("overhead_seconds"), 1e-12);
        // 3.5 s of overhead is 10% of a round when the steps take 31.5 s: 315 steps
        assertEquals(315, w64.get("h_for_overhead_share"));
        // 64 workers' 2.0 s of steps in 2.0 + 3.5 s, against one worker's in 2.0 + 0.35 s
        assertEquals(64 * 2.35 / 5.5, (double) w64.get("speedup_at_h"), 1e-9);
    }

    @Test
    @Tag("study")
    @SuppressWarnings("unchecked")
    void theRoundsCaseMeasuresBytesAndTheDriversMerges() throws Exception {
        Path out = dir.resolve("bench");
        var r = Cli.run(sc, "bench", "--out", out.toString(), "--cases", "rounds", "--round-workers", "1,2",
                "--reps", "2", "--set", "train.batch=8", "--set", "train.averaging.frequency=2",
                "--set", "train.transfer=fp32", "--set", "train.updater.sync=every");
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> report = new ObjectMapper().readValue(out.resolve("bench.json").toFile(), Map.class);
        Map<String, Object> cost = (Map<String, Object>) report.get("round_cost");
        List<Map<String, Object>> measured = (List<Map<String, Object>>) cost.get("measured");
        assertEquals(2, measured.size());
        for (Map<String, Object> m : measured) {
            int w = (int) m.get("workers");
            long values = ((Number) m.get("parameters")).longValue()
                    + ((Number) m.get("updater_state_values")).longValue();
            double broadcast = ((Number) m.get("broadcast_bytes")).doubleValue();
            double result = ((Number) m.get("result_bytes_per_worker")).doubleValue();
            assertTrue(broadcast >= 4 * values && broadcast < 4.2 * values, "float32 parameters and Adam state: " + m);
            assertTrue(result >= 4 * values && result < 4.2 * values, "each result carries both: " + m);
            assertEquals(w * (broadcast + result), ((Number) m.get("bytes_moved_per_round")).doubleValue(), 1e-6);
            assertEquals(w, ((Number) m.get("driver_results_merged_per_round")).doubleValue(), 1e-9,
                    "no tree level below 3 partitions: the driver merges every worker's result: " + m);
            assertTrue(((Number) m.get("rounds_timed")).intValue() >= 2, m.toString());
            double round = ((Number) m.get("round_seconds")).doubleValue();
            double fit = ((Number) m.get("worker_fit_seconds")).doubleValue();
            assertTrue(fit > 0 && fit < round, m.toString());
        }
        assertEquals(4, ((List<?>) ((Map<String, Object>) cost.get("model")).get("extrapolated")).size());
    }

    @Test
    @Tag("study")
    @SuppressWarnings("unchecked")
    void bf16ChangesWithLocalOptimizerStateMoveAQuarterOfTheBytes() throws Exception {
        Path out = dir.resolve("bench-bf16");
        var r = Cli.run(sc, "bench", "--out", out.toString(), "--cases", "rounds", "--round-workers", "2",
                "--reps", "2", "--set", "train.batch=8", "--set", "train.averaging.frequency=2",
                "--set", "train.transfer=bf16", "--set", "train.updater.sync=local");
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> report = new ObjectMapper().readValue(out.resolve("bench.json").toFile(), Map.class);
        Map<String, Object> m = ((List<Map<String, Object>>) ((Map<String, Object>) report.get("round_cost"))
                .get("measured")).get(0);
        long params = ((Number) m.get("parameters")).longValue();
        long updater = ((Number) m.get("updater_state_values")).longValue();
        double result = ((Number) m.get("result_bytes_per_worker")).doubleValue();
        double broadcast = ((Number) m.get("broadcast_bytes")).doubleValue();
        assertEquals("bf16", m.get("transfer"));
        assertEquals("local", m.get("updater_sync"));
        // every round (and under periodic, every round between synchronisations): fp32 parameters out, bf16 changes
        // back, no Adam state either way
        assertTrue(result >= 2.0 * params && result < 2.0 * params + 30_000, "bf16 changes alone: " + result
                + " bytes for " + params + " parameters: " + m);
        assertTrue(broadcast >= 4.0 * params && broadcast < 4.0 * params + 60_000, "fp32 parameters alone: " + m);
        assertTrue(broadcast + result < 0.26 * 4.0 * 2 * (params + updater), "a quarter of fp32 both ways: " + m);
    }
}
