package io.mkcnn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The scaling command on a small synthetic set: every run trained once, its figures and the targets reported. */
class ScalingTest extends SparkTest {
    @TempDir
    Path dir;

    @Test
    @Tag("study")
    @SuppressWarnings("unchecked")
    void everyRunIsTrainedAndReportedAndARerunReusesThem() throws Exception {
        Path train = Records.write(dir.resolve("data/train.bin"), Records.synthetic(512, 31));
        Path test = Records.write(dir.resolve("data/test.bin"), Records.synthetic(200, 32));
        Path out = dir.resolve("scaling");
        String[] args = {"scaling", "--data", train.toString(), "--test", test.toString(), "--out", out.toString(),
            "--epochs", "1", "--set", "train.batch=16", "--set", "train.averaging.frequency=2",
            "--set", "train.outer=momentum", "--set", "train.outer.momentum=0.3", "--threshold", "0.2"};
        var r = Cli.run(sc, args);
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> report = new ObjectMapper().readValue(out.resolve("scaling.json").toFile(), Map.class);
        List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
        assertEquals(List.of("w1-iid", "w2-iid-average", "w2-iid-momentum", "w4-iid-average", "w4-iid-momentum",
                "w4-by_class-average", "w4-by_class-momentum"), runs.stream().map(m -> m.get("name")).toList());
        for (Map<String, Object> run : runs) {
            assertEquals(1, ((List<?>) run.get("accuracy_by_evaluation")).size(), run.toString());
            assertTrue(((Number) run.get("examples_per_second")).doubleValue() > 0, run.toString());
            double recomputed = ((Number) run.get("final_accuracy_recomputed_bn")).doubleValue();
            assertTrue(recomputed >= 0 && recomputed <= 1, run.toString());
            Map<String, Double> distance = (Map<String, Double>) run.get("bn_statistics_vs_recomputed");
            assertEquals(5, distance.size(), "every BN layer: " + distance);
            assertTrue(distance.values().stream().allMatch(d -> d >= 0 && Double.isFinite(d)), distance.toString());
        }
        assertEquals("momentum (lr 1.0, momentum 0.3)", runs.get(2).get("outer"), "the configured outer step");
        assertEquals("average", runs.get(1).get("outer"));
        double share = ((Number) runs.get(4).get("outer_share_of_round_time")).doubleValue();
        assertTrue(share > 0 && share < 0.5, "the outer step is timed: " + share);
        assertEquals(0.0, ((Number) runs.get(3).get("outer_share_of_round_time")).doubleValue());
        assertEquals(4, ((List<?>) report.get("targets")).size());

        long modified = Files.getLastModifiedTime(out.resolve("w4-iid-momentum/model.zip")).toMillis();
        assertEquals(0, Cli.run(sc, args).getKey());
        assertEquals(modified, Files.getLastModifiedTime(out.resolve("w4-iid-momentum/model.zip")).toMillis(),
                "finished runs are reused");

        String[] some = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--runs", "w1-iid,w4-iid-momentum")).toArray(String[]::new);
        assertEquals(0, Cli.run(sc, some).getKey());
        report = new ObjectMapper().readValue(out.resolve("scaling.json").toFile(), Map.class);
        runs = (List<Map<String, Object>>) report.get("runs");
        assertEquals(List.of("w1-iid", "w4-iid-momentum"), runs.stream().map(m -> m.get("name")).toList());
        List<Map<String, Object>> targets = (List<Map<String, Object>>) report.get("targets");
        assertEquals(Boolean.class, targets.get(0).get("met").getClass(), "4 IID workers against one: compared");
        assertEquals(null, targets.get(1).get("met"), "2 workers were not run: " + targets.get(1));

        String[] unknown = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--runs", "w8-iid-momentum")).toArray(String[]::new);
        var refused = Cli.run(sc, unknown);
        assertEquals(2, refused.getKey(), refused.getValue());
        assertTrue(refused.getValue().contains("--runs w8-iid-momentum: no such run; the study's runs are w1-iid, "),
                refused.getValue());
    }

    @Test
    void targetsArePrintedWithTheirFigures() {
        List<Map<String, Object>> rows = List.of(
                Map.of("name", "w1-iid", "final_accuracy", 0.6118, "outer_share_of_round_time", 0.0),
                Map.of("name", "w4-iid-nesterov", "final_accuracy", 0.6720, "outer_share_of_round_time", 0.0013),
                Map.of("name", "w2-iid-nesterov", "final_accuracy", 0.6050, "outer_share_of_round_time", 0.0030));
        List<String> lines = ScalingTargets.targets(rows, "nesterov").stream().map(ScalingTargets::targetLine).toList();
        assertTrue(lines.get(0).matches("met +4 IID workers with nesterov within 1.0 point of one worker +\\+6.02 points"),
                lines.get(0));
        assertTrue(lines.get(1).matches("NOT MET +2 IID workers .* -0.68 points"), lines.get(1));
        assertTrue(lines.get(2).matches("not run +4 class-sorted workers: .* -"), lines.get(2));
        assertTrue(lines.get(3).matches("met +outer step <= 2% of round time +0.30%"), lines.get(3));
    }

    private static Map<String, Object> sweepRow(int h, String sync, double accuracy) {
        return Map.of("name", "w4-iid-nesterov-h" + h + "-" + sync + "-bf16", "shards", "iid", "averaging_frequency", h,
                "updater_sync", sync, "transfer", "bf16", "final_accuracy", accuracy);
    }

    @Test
    void theSweepComparesEveryRunWithTheSmallestPeriodUnderEveryState() {
        List<Map<String, Object>> rows = List.of(sweepRow(10, "every", 0.600), sweepRow(50, "every", 0.597),
                sweepRow(200, "every", 0.580), sweepRow(50, "local", 0.5955));
        List<String> lines = ScalingTargets.sweepTargets(rows).stream().map(ScalingTargets::targetLine).toList();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("met +w4-iid-nesterov-h50-every-bf16 within 0.5 of w4-iid-nesterov-h10-every-bf16"
                + " +-0.30 points"), lines.get(0));
        assertTrue(lines.get(1).matches("NOT MET +w4-iid-nesterov-h200-every-bf16 .* -2.00 points"), lines.get(1));
        assertTrue(lines.get(2).matches("met +w4-iid-nesterov-h50-local-bf16 within 0.5 of "
                + "w4-iid-nesterov-h10-every-bf16 +-0.45 points"), lines.get(2));
    }

    @Test
    void aSweepValueThatIsNoSettingIsRefusedNamingIt() {
        var r = Cli.run(sc, "scaling", "--data", dir.toString(), "--test", dir.toString(), "--out",
                dir.resolve("o").toString(), "--averaging", "10,x", "--transfer", "fp16");
        assertEquals(2, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("--averaging x: expected a whole number of minibatches >= 1"), r.getValue());
        assertTrue(r.getValue().contains("--transfer fp16: expected one of fp32, bf16"), r.getValue());
        assertTrue(!Files.exists(dir.resolve("o")));
    }
}
