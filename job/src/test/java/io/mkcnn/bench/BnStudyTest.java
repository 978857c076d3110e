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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The study command on a small synthetic set: every row filled, and its premise (modes train equal weights). */
class BnStudyTest extends SparkTest {
    @TempDir
    Path dir;

    @Test
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
        }
        for (String run : List.of("single", "iid-naive", "iid-pooled", "by_class-naive", "by_class-pooled")) {
            assertTrue(Files.exists(out.resolve(run).resolve("model.zip")), run);
        }
    }
}
