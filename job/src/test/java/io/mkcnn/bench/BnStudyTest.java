package io.mkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.bn.BnLayers;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The study command on a small synthetic set: every row filled, and its premise (modes train equal weights). */
class BnStudyTest extends SparkTest {
    @TempDir
    Path dir;

    @Test
    @Tag("study")
    @SuppressWarnings("unchecked")
    void studyTrainsEveryShardingAndReportsEachModesAccuracy() throws Exception {
        Path train = Records.write(dir.resolve("data/train.bin"), Records.synthetic(640, 11));
        Path test = Records.write(dir.resolve("data/test.bin"), Records.synthetic(200, 12));
        Path out = dir.resolve("study");
        var r = Cli.run(sc, "bn-study", "--data", train.toString(), "--test", test.toString(), "--out",
                out.toString(), "--epochs", "1", "--workers", "2", "--set", "train.batch=16",
                "--set", "train.averaging.frequency=5", "--set", "bn.recompute.samples=256");
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> report = new ObjectMapper().readValue(out.resolve("study.json").toFile(), Map.class);
        // the reference configuration's learning rate unless the command line says otherwise
        Map<String, Object> configuration = (Map<String, Object>) report.get("configuration");
        assertEquals(1e-4, Double.parseDouble(configuration.get("model.lr").toString()), configuration.toString());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("accuracy");
        assertEquals(List.of("single worker", "iid", "by_class"), rows.stream().map(m -> m.get("shards")).toList());
        for (Map<String, Object> row : rows) {
            for (String mode : List.of("naive", "recompute")) {
                double acc = ((Number) row.get(mode)).doubleValue();
                assertTrue(acc >= 0 && acc <= 1, row.toString());
            }
        }
        for (Map<String, Object> row : rows.subList(1, 3)) {
            double pooled = ((Number) row.get("pooled")).doubleValue();
            assertTrue(pooled >= 0 && pooled <= 1, row.toString());
            // the moving statistics take no part in training: naive and pooled runs end with the same weights
            double diff = ((Number) row.get("max_weight_difference_naive_vs_pooled")).doubleValue();
            assertTrue(diff < 1e-4, "weights differ by " + diff + " in " + row);
            assertEquals(2, ((Number) row.get("workers")).intValue());
            for (String swapped : List.of("naive_statistics_on_pooled_weights", "pooled_statistics_on_naive_weights")) {
                double acc = ((Number) row.get(swapped)).doubleValue();
                assertTrue(acc >= 0 && acc <= 1, row.toString());
            }
            assertTrue(row.get("pooled_minus_naive_same_weights_points") instanceof Number, row.toString());
        }
        assertEquals(5, ((List<?>) report.get("targets")).size());
        // every run's distance from the statistics recomputed on its weights, for each of the network's BN layers
        Map<String, Map<String, Number>> distance = (Map<String, Map<String, Number>>) report.get(
                "statistics_vs_recomputed");
        assertEquals(List.of("single", "iid-naive", "iid-pooled", "by_class-naive", "by_class-pooled"),
                List.copyOf(distance.keySet()));
        List<String> layers = BnLayers.names(MultiKernelNet.create(
                io.mkcnn.config.JobConfig.from(Map.of(), "test", Map.of()).networkSpec(),
                io.mkcnn.config.JobConfig.from(Map.of(), "test", Map.of()).modelOptions(0)));
        for (Map<String, Number> shift : distance.values()) {
            assertEquals(layers, List.copyOf(shift.keySet()));
            shift.values().forEach(v -> assertTrue(v.doubleValue() >= 0 && Double.isFinite(v.doubleValue()), v + ""));
        }
        for (String run : List.of("single", "iid-naive", "iid-pooled", "by_class-naive", "by_class-pooled")) {
            assertTrue(Files.exists(out.resolve(run).resolve("model.zip")), run);
        }
    }

    @Test
    void withStatisticsTakesTheWeightsOfOneNetworkAndTheMovingStatisticsOfTheOther() {
        io.mkcnn.config.JobConfig cfg = io.mkcnn.config.JobConfig.from(Map.of(), "test", Map.of());
        ComputationGraph a = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        ComputationGraph b = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        b.params().addi(0.5); // other weights and other statistics (log10stdev 0 -> 0.5: variance 10)
        INDArray aBefore = a.params().dup();
        ComputationGraph mixed = BnStudy.withStatistics(a, b);
        for (String layer : BnLayers.names(mixed)) {
            assertArrayEquals(BnLayers.mean(b, layer), BnLayers.mean(mixed, layer), 1e-6, layer);
            assertArrayEquals(BnLayers.variance(b, layer), BnLayers.variance(mixed, layer), 1e-5, layer);
        }
        // every other parameter is a's, and a itself is unchanged
        assertEquals(0.0, BnStudy.weightDifference(a, mixed), 0.0);
        assertEquals(aBefore, a.params());
        assertTrue(BnStudy.weightDifference(b, mixed) > 0.4);
    }

    @Test
    void theSkewedShardingIsByClassUnlessTheConfigurationNamesAnother() {
        assertEquals("by_class", BnStudy.skewedShards(io.mkcnn.config.JobConfig.from(Map.of(), "test", Map.of())));
        assertEquals("by_label", BnStudy.skewedShards(io.mkcnn.config.JobConfig.from(Map.of(), "test",
                Map.of("train.partitioning", "by_label"))));
    }

    @Test
    void theDistanceTableHasARowPerRunAndAColumnPerLayer() {
        Map<String, Map<String, Double>> distance = new java.util.LinkedHashMap<>();
        distance.put("single", new java.util.LinkedHashMap<>(Map.of("stem_bn", 0.0125)));
        distance.put("iid-naive", new java.util.LinkedHashMap<>(Map.of("stem_bn", 0.5)));
        distance.get("iid-naive").put("branch1_bn", 0.25);
        List<String> lines = BnStudy.distanceTable(distance).lines().toList();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals(List.of("run", "stem_bn", "branch1_bn"), List.of(lines.get(1).trim().split(" +")));
        assertEquals(List.of("single", "0.0125", "-"), List.of(lines.get(2).trim().split(" +")));
        assertEquals(List.of("iid-naive", "0.5000", "0.2500"), List.of(lines.get(3).trim().split(" +")));
    }

    @Test
    void targetsCompareModesInAccuracyPoints() {
        List<BnStudy.Row> rows = List.of(
                new BnStudy.Row("single worker", 1, 0.640, null, 0.645, Double.NaN),
                new BnStudy.Row("iid", 4, 0.640, 0.641, 0.639, 1e-6),
                new BnStudy.Row("by_class", 4, 0.300, 0.329, 0.401, 1e-6));
        List<BnStudy.Check> checks = BnStudy.checks(rows);
        assertEquals(List.of(true, false, true, false, true), checks.stream().map(BnStudy.Check::met).toList(),
                checks.toString());
        assertEquals("+10.10 points", checks.get(0).measured());
        assertEquals("by_class: recompute >= naive + 10", checks.get(0).target());
        assertEquals("+2.90 points", checks.get(1).measured());
        // best single (64.5) against worst IID (63.9)
        assertEquals("largest gap 0.60 points", checks.get(4).measured());
        List<BnStudy.Row> behind = List.of(rows.get(0), new BnStudy.Row("iid", 4, 0.640, 0.641, 0.630, 1e-6),
                rows.get(2));
        assertEquals("largest gap 1.50 points", BnStudy.checks(behind).get(4).measured());
        assertEquals(false, BnStudy.checks(behind).get(4).met());
    }
}
