package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Faults;
import io.mkcnn.testutil.MetricKeys;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints, resume after a failure, and divergence, through the train command (the default
 * {@code train.approach=stream}, with rounds that span epoch ends).
 */
class ResumeTest extends SparkTest {
    @TempDir
    static Path dir;
    static SyntheticData data;
    static String lastErr = "";

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(dir.resolve("data"), 640, 9);
    }

    private static int train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.train(),
                "--test", data.test(), "--out", out.toString(),
                "--epochs", "3", "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=3",
                "--set", "checkpoint.every.rounds=2", "--set", "checkpoint.keep=2",
                // every value in fp32 and the optimizer state averaged every round: the settings under which a
                // resume is the uninterrupted run bit for bit (the tests below change the state policy)
                "--set", "train.transfer=fp32", "--set", "train.updater.sync=every"));
        args.addAll(List.of(extra));
        Map.Entry<Integer, String> r = io.mkcnn.testutil.Cli.run(sc, args.toArray(new String[0]));
        lastErr = r.getValue();
        return r.getKey();
    }

    /** A run with {@code options} that fails after round 7 (checkpoints at rounds 2, 4 and 6). */
    private static int trainFailingAfterRound7(Path out, String... options) {
        try (Faults.Installed f = Faults.failAfterRound(7)) {
            return train(out, options);
        }
    }

    private static List<Map<String, Object>> lines(Path out) throws Exception {
        return MetricKeys.lines(out);
    }

    private static List<String> keys(List<Map<String, Object>> lines) {
        return lines.stream().map(l -> l.get("type") + ":" + l.get("epoch") + ":" + l.get("round")).toList();
    }

    @Test
    void aRunThatFailsMidEpochResumesToTheSameResultAsAnUninterruptedOne() throws Exception {
        Path reference = dir.resolve("reference");
        assertEquals(0, train(reference));

        Path interrupted = dir.resolve("interrupted");
        assertEquals(1, trainFailingAfterRound7(interrupted));
        assertFalse(Files.exists(interrupted.resolve("model.zip")));
        try (var s = Files.list(interrupted.resolve("checkpoints"))) {
            assertEquals(List.of("round-000006"), s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("round-")).sorted().skip(1).toList(), "newest two kept");
        }
        assertEquals(0, train(interrupted));

        List<Map<String, Object>> expected = lines(reference);
        List<Map<String, Object>> got = lines(interrupted);
        assertEquals(keys(expected), keys(got), "same rounds and evaluations, none lost or repeated");
        // 640 records, 2 workers x 3 minibatches of 16 a round: epochs end at the round boundaries nearest 6.67,
        // 13.33 and 20 rounds, and rounds 7 and 14 span an epoch's end
        assertEquals(List.of(7, 13, 20), got.stream().filter(l -> "evaluation".equals(l.get("type")))
                .map(l -> ((Number) l.get("round")).intValue()).toList());
        assertTrue(got.stream().filter(l -> "round".equals(l.get("type")))
                .allMatch(l -> ((Number) l.get("examples")).intValue() == 96), "every minibatch full");

        ComputationGraph a = ModelSerializer.restoreComputationGraph(reference.resolve("model.zip").toFile(), true);
        ComputationGraph b = ModelSerializer.restoreComputationGraph(interrupted.resolve("model.zip").toFile(), true);
        assertTrue(a.params().equalsWithEps(b.params(), 1e-5),
                "parameters differ by " + a.params().sub(b.params()).amaxNumber());
        assertArrayEquals(a.getUpdater().getStateViewArray().toFloatVector(),
                b.getUpdater().getStateViewArray().toFloatVector(), 1e-5f);
        assertTrue(Files.readString(interrupted.resolve("report.html")).contains("new Chart("));
    }

    /**
     * Both engines train the same parameters at the same offsets: a run interrupted under DL4J's layer graph
     * resumes under the fused body (and the reverse) to the uninterrupted fused run's result (fp32 convolutions,
     * where the two engines agree bit for bit in the model tests).
     */
    @Test
    void aRunResumesUnderTheOtherEngine() throws Exception {
        Path reference = dir.resolve("engine-reference");
        assertEquals(0, train(reference, "--set", "model.precision=fp32"));
        Path switched = dir.resolve("engine-switched");
        assertEquals(1, trainFailingAfterRound7(switched, "--set", "model.precision=fp32", "--set",
                "model.engine=layers"));
        assertEquals(0, train(switched, "--set", "model.precision=fp32"), lastErr);
        Map<String, Object> training = (Map<String, Object>) MetricKeys.summary(switched).get("training");
        assertEquals(java.util.Set.of("fused"), java.util.Set.copyOf(
                ((Map<String, String>) training.get("worker_engine")).values()), training.toString());
        Map<String, Object> layers = (Map<String, Object>) MetricKeys.summary(reference).get("training");
        assertEquals(java.util.Set.of("fused"), java.util.Set.copyOf(
                ((Map<String, String>) layers.get("worker_engine")).values()), "the default engine");
        ComputationGraph a = ModelSerializer.restoreComputationGraph(reference.resolve("model.zip").toFile(), true);
        ComputationGraph b = ModelSerializer.restoreComputationGraph(switched.resolve("model.zip").toFile(), true);
        assertTrue(a.params().equalsWithEps(b.params(), 1e-5),
                "parameters differ by " + a.params().sub(b.params()).amaxNumber());
    }

    /**
     * The outer optimizer's momentum is checkpointed; under {@code train.updater.sync=periodic} the shards' own Adam
     * state lives on the executors and is not, so a resume starts every shard from the checkpoint's averaged state,
     * which is what an uninterrupted run does at a synchronisation: resumed from a checkpoint at a multiple of the
     * period (round 6, K = 3), the run is the uninterrupted one.
     */
    @Test
    void theOuterMomentumAndPeriodicallySyncedStateResumeExactly() throws Exception {
        String[] outer = {"--set", "train.outer=nesterov", "--set", "train.outer.lr=0.8",
            "--set", "train.outer.momentum=0.6", "--set", "train.updater.sync=periodic",
            "--set", "train.updater.sync.rounds=3"};
        Path reference = dir.resolve("outer-reference");
        assertEquals(0, train(reference, outer));
        Path plain = dir.resolve("reference");
        if (!Files.exists(plain.resolve("model.zip"))) {
            assertEquals(0, train(plain));
        }
        ComputationGraph averaged = ModelSerializer.restoreComputationGraph(plain.resolve("model.zip").toFile(), true);
        ComputationGraph a = ModelSerializer.restoreComputationGraph(reference.resolve("model.zip").toFile(), true);
        assertTrue(a.params().sub(averaged.params()).amaxNumber().doubleValue() > 1e-3,
                "the outer step changes the trajectory");

        Path interrupted = dir.resolve("outer-interrupted");
        assertEquals(1, trainFailingAfterRound7(interrupted, outer));
        assertTrue(Files.exists(interrupted.resolve("checkpoints").resolve("round-000006").resolve("outer.bin")));
        assertEquals(0, train(interrupted, outer));
        ComputationGraph b = ModelSerializer.restoreComputationGraph(interrupted.resolve("model.zip").toFile(), true);
        assertTrue(a.params().equalsWithEps(b.params(), 1e-5),
                "parameters differ by " + a.params().sub(b.params()).amaxNumber());
        assertEquals(keys(lines(reference)), keys(lines(interrupted)));
    }

    /**
     * Under {@code train.updater.sync=local} the shards' Adam state never leaves the executors, so a resumed run
     * restarts every shard from zero moments (with Adam's bias correction restarted, {@link AdamRestart}); the rounds,
     * parameters and outer momentum continue from the checkpoint, every round once.
     */
    @Test
    void aLocalStateRunResumesEveryRoundOnceWithItsShardsRestarted() throws Exception {
        String[] local = {"--set", "train.outer=nesterov", "--set", "train.updater.sync=local"};
        Path interrupted = dir.resolve("local-interrupted");
        assertEquals(1, trainFailingAfterRound7(interrupted, local));
        assertEquals(0, train(interrupted, local), lastErr);
        Path plain = dir.resolve("reference");
        if (!Files.exists(plain.resolve("model.zip"))) {
            assertEquals(0, train(plain));
        }
        assertEquals(keys(lines(plain)), keys(lines(interrupted)));
        ComputationGraph b = ModelSerializer.restoreComputationGraph(interrupted.resolve("model.zip").toFile(), true);
        assertFalse(b.params().isNaN().any());
        assertEquals(0.0, b.getUpdater().getStateViewArray().amaxNumber().doubleValue(),
                "the driver holds no optimizer state under local");
        assertTrue(lines(interrupted).stream().filter(l -> "round".equals(l.get("type")))
                .allMatch(l -> Double.isFinite(((Number) l.get("loss")).doubleValue())));
    }

    @Test
    void nanParametersFromAWorkerStopTheRunAndKeepTheLastGoodCheckpoint() throws Exception {
        Path out = dir.resolve("diverged");
        try (Faults.Installed f = Faults.nanInRound(3)) {
            assertEquals(4, train(out));
        }
        assertTrue(lastErr.contains("last good checkpoint: file:" + out.resolve("checkpoints").resolve("round-000002")), lastErr);
        assertFalse(Files.exists(out.resolve("model.zip")));
        assertTrue(Files.isDirectory(out.resolve("checkpoints").resolve("round-000002")));
        List<Map<String, Object>> lines = lines(out);
        assertEquals(2, lines.size(), "rounds 1 and 2 only: " + keys(lines));
        ComputationGraph good = ModelSerializer.restoreComputationGraph(
                out.resolve("checkpoints").resolve("round-000002").resolve("model.zip").toFile(), true);
        assertFalse(good.params().isNaN().any());
    }
}
