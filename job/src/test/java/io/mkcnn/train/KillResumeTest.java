package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.cli.Main;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.ChildJvm;
import io.mkcnn.testutil.MetricKeys;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A driver killed with SIGKILL at a random point of its run, then rerun with the same command, ends with the same
 * rounds and epochs as an uninterrupted run, each once in metrics.jsonl, and with the best epoch's network in
 * best-model.zip.
 */
class KillResumeTest extends SparkTest {
    @TempDir
    Path dir;

    private List<String> command(Path data, Path out) {
        return List.of("train", "--data", data.resolve("synthetic_batch_*.bin").toString(),
                "--test", data.resolve("synthetic_test_batch.bin").toString(), "--out", out.toString(),
                "--validation", data.resolve("validation.bin").toString(),
                "--epochs", "3", "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=3",
                "--set", "checkpoint.every.rounds=1");
    }

    @Test
    void killedDriverResumesWithoutLosingOrRepeatingAnything() throws Exception {
        Path data = dir.resolve("data");
        SyntheticCifar.write(data, 640, 13);
        Records.write(data.resolve("validation.bin"), Records.synthetic(200, 14));
        Path reference = dir.resolve("reference");
        assertEquals(0, Main.runWith(sc, command(data, reference).toArray(new String[0])));
        List<String> expected = MetricKeys.of(reference);
        long rounds = expected.stream().filter(k -> k.startsWith("round:")).count();

        long seed = System.nanoTime();
        int killAfterLines = 1 + new Random(seed).nextInt((int) rounds - 1);
        Path killed = dir.resolve("killed");
        Process p = ChildJvm.main(command(data, killed)).start(dir.resolve("killed.log"));
        Path jsonl = killed.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (p.isAlive() && System.nanoTime() < deadline
                && (!Files.exists(jsonl) || Files.readAllLines(jsonl).size() < killAfterLines)) {
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
        assertTrue(p.isAlive(), "the run ended before it could be killed (seed " + seed + ")");
        p.destroyForcibly().waitFor(); // SIGKILL
        assertFalse(Files.exists(killed.resolve("model.zip")));

        assertEquals(0, Main.runWith(sc, command(data, killed).toArray(new String[0])));
        assertEquals(expected, MetricKeys.of(killed), "killed after " + killAfterLines + " lines (seed " + seed + ")");
        // best-model.zip is the network of the best validation evaluation across both attempts
        Map<?, ?> best = (Map<?, ?>) new ObjectMapper().readValue(killed.resolve("metrics.json").toFile(), Map.class)
                .get("best");
        Path scored = dir.resolve("scored");
        assertEquals(0, Main.runWith(sc, "evaluate", "--model", killed.resolve("best-model.zip").toString(),
                "--data", data.resolve("validation.bin").toString(), "--out", scored.toString()));
        Map<?, ?> test = (Map<?, ?>) new ObjectMapper().readValue(scored.resolve("metrics.json").toFile(), Map.class)
                .get("test");
        assertEquals(((Number) best.get("validation_accuracy")).doubleValue(),
                ((Number) test.get("accuracy")).doubleValue(), 1e-9, "killed after " + killAfterLines + " lines");
    }
}
