package io.mkcnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.Faults;
import io.mkcnn.testutil.MetricKeys;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resuming past damaged checkpoints: a zero-byte or truncated model, a model of another shape and a state that is
 * not JSON are each skipped for the newest readable checkpoint; with none readable the run is refused, not
 * restarted over the rounds it holds.
 */
class DamagedCheckpointTest extends SparkTest {
    @TempDir
    static Path tmp;
    static SyntheticData data;

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(tmp.resolve("data"), 256, 9);
    }

    /** 256 records / (2 workers x 16 x 2) = 4 rounds an epoch, 2 epochs. */
    private static Map.Entry<Integer, String> train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.train(),
                "--test", data.test(), "--out", out.toString(),
                "--epochs", "2", "--workers", "2", "--set", "train.batch=16", "--set", "train.averaging.frequency=2",
                "--set", "checkpoint.every.rounds=1", "--set", "checkpoint.keep=4"));
        args.addAll(List.of(extra));
        return Cli.run(sc, args.toArray(new String[0]));
    }

    private static Path checkpoint(Path out, int round) {
        return out.resolve("checkpoints").resolve(String.format("round-%06d", round));
    }

    private static void truncate(Path file) throws Exception {
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
        withoutChecksum(file);
    }

    /**
     * Removes the local filesystem's checksum beside a damaged file, which would otherwise catch the damage first:
     * the job's own checks are what HDFS-rewritten or S3 files rely on.
     */
    private static void withoutChecksum(Path file) throws Exception {
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    @Test
    void damagedCheckpointsAreSkippedForTheNewestReadableOne() throws Exception {
        Path reference = tmp.resolve("reference");
        assertEquals(0, train(reference).getKey());

        Path out = tmp.resolve("damaged");
        try (Faults.Installed f = Faults.failAfterRound(4)) {
            assertEquals(1, train(out).getKey());
        }
        Files.write(checkpoint(out, 4).resolve("model.zip"), new byte[0]);
        truncate(checkpoint(out, 3).resolve("model.zip"));
        withoutChecksum(checkpoint(out, 4).resolve("model.zip"));
        ModelSerializer.writeModel(MultiKernelNet.create(new NetworkSpec(24, 3, 3, 8, List.of(1, 3), 8, 3, 10, false),
                ModelOptions.defaults()), checkpoint(out, 2).resolve("model.zip").toFile(), true);
        withoutChecksum(checkpoint(out, 2).resolve("model.zip"));
        var r = train(out);
        assertEquals(0, r.getKey(), r.getValue());
        assertEquals(MetricKeys.of(reference), MetricKeys.of(out),
                "resumed from round 1: every round and evaluation exactly once");
    }

    @Test
    void withNoReadableCheckpointTheRunIsRefusedNotRestarted() throws Exception {
        Path out = tmp.resolve("ruined");
        try (Faults.Installed f = Faults.failAfterRound(3)) {
            assertEquals(1, train(out, "--set", "checkpoint.keep=2").getKey());
        }
        List<String> before = MetricKeys.of(out);
        Files.write(checkpoint(out, 3).resolve("model.zip"), new byte[0]);
        withoutChecksum(checkpoint(out, 3).resolve("model.zip"));
        Files.writeString(checkpoint(out, 2).resolve("state.json"), "{\"runId\": ");
        withoutChecksum(checkpoint(out, 2).resolve("state.json"));
        var r = train(out, "--set", "checkpoint.keep=2");
        assertEquals(3, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("checkpoints: no checkpoint is readable (round-000003 ("), r.getValue());
        assertTrue(r.getValue().contains("round-000002 ("), r.getValue());
        assertTrue(r.getValue().contains("rerun with --fresh to move this run aside"), r.getValue());
        assertEquals(before, MetricKeys.of(out), "the run's metrics are untouched");
        assertTrue(Files.exists(checkpoint(out, 3).resolve("model.zip")), "nothing is deleted");
    }
}
