package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.cli.Main;
import io.mkcnn.store.RunLock;
import io.mkcnn.testutil.ChildJvm;
import io.mkcnn.testutil.MetricKeys;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Real signals to a real training driver (a child JVM running the job's entry point in local mode): SIGTERM stops
 * it at a round boundary with a checkpoint and exit 5, or abandons a round that outlasts the grace time; a second
 * signal exits at once. Rerunning the command finishes the run with every round and evaluation exactly once.
 */
class GracefulStopTest extends SparkTest {
    @TempDir
    static Path dir;
    static SyntheticData data;

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(dir.resolve("data"), 640, 17);
    }

    /** 640 records / (2 workers x 16 x frequency) rounds an epoch, 2 epochs. */
    private static List<String> command(Path out, int frequency, String... extra) {
        List<String> c = new ArrayList<>(List.of("train", "--data", data.train(),
                "--test", data.test(), "--out", out.toString(),
                "--epochs", "2", "--workers", "2", "--set", "train.batch=16",
                "--set", "train.averaging.frequency=" + frequency, "--set", "checkpoint.every.rounds=1000"));
        c.addAll(List.of(extra));
        return c;
    }

    private static Process child(List<String> command, Path log) throws Exception {
        return ChildJvm.main(command).start(log);
    }

    /** Waits until the run's metrics.jsonl has {@code lines} lines. */
    private static void awaitLines(Process p, Path out, int lines, Path log) throws Exception {
        Path jsonl = out.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(jsonl) || Files.readAllLines(jsonl).size() < lines) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "run ended or stalled:\n" + Files.readString(log));
            Thread.sleep(20);
        }
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(p.pid())).start().waitFor());
    }

    /** The round named by the "stopped by SIGTERM after round N" line, checked against the checkpoint written. */
    private static int stoppedRound(String log, Path out) {
        Matcher m = Pattern.compile("stopped by SIGTERM after round (\\d+); rerun the same command to resume")
                .matcher(log);
        assertTrue(m.find(), log);
        int round = Integer.parseInt(m.group(1));
        assertTrue(Files.isDirectory(out.resolve("checkpoints").resolve(String.format("round-%06d", round))),
                "checkpoint of the last completed round " + round);
        return round;
    }

    @Test
    void sigtermStopsAtARoundBoundaryWithACheckpointAndTheRerunFinishes() throws Exception {
        Path reference = dir.resolve("reference");
        assertEquals(0, Main.runWith(sc, command(reference, 2).toArray(new String[0])));

        Path out = dir.resolve("stopped");
        Path log = dir.resolve("stopped.log");
        Process p = child(command(out, 2), log);
        awaitLines(p, out, 3, log);
        signal(p, "TERM");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stopped within the grace time");
        String text = Files.readString(log);
        assertEquals(5, p.exitValue(), text);
        int round = stoppedRound(text, out);
        assertTrue(round >= 3, text);
        assertFalse(text.contains("did not end within"), "a short round ends within the grace time: " + text);
        assertFalse(Files.exists(out.resolve(RunLock.FILE)), "the lock is released");
        assertFalse(Files.exists(out.resolve("model.zip")));

        assertEquals(0, Main.runWith(sc, command(out, 2).toArray(new String[0])));
        assertEquals(MetricKeys.of(reference), MetricKeys.of(out), "every round and evaluation exactly once");
    }

    @Test
    void aRoundOutlastingTheGraceTimeIsAbandonedAndRedoneOnRerunAndEveryJobIsDescribed() throws Exception {
        Path reference = dir.resolve("reference-long");
        assertEquals(0, Main.runWith(sc, command(reference, 5).toArray(new String[0])));

        // In this JVM, so that the signal can be raised the moment a task of round 2 starts: with no grace time the
        // round in flight is abandoned (its job cancelled) and the checkpoint holds round 1.
        Path out = dir.resolve("abandoned");
        List<String> described = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean raised = new java.util.concurrent.atomic.AtomicBoolean();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart job) {
                described.add(job.properties().getProperty("spark.jobGroup.id") + " | "
                        + job.properties().getProperty("spark.job.description"));
            }

            @Override
            public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart task) {
                if (described.stream().anyMatch(d -> d.endsWith(" round 2/4")) && !raised.getAndSet(true)) {
                    sun.misc.Signal.raise(new sun.misc.Signal("TERM"));
                }
            }
        };
        sc.sc().addSparkListener(listener);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true));
            code = Main.runWith(sc, command(out, 5, "--set", "stop.grace.seconds=0").toArray(new String[0]));
        } finally {
            System.setErr(old);
            sc.sc().removeSparkListener(listener);
        }
        assertTrue(raised.get());
        assertEquals(5, code, err.toString());
        assertEquals(1, stoppedRound(err.toString(), out), err.toString());
        assertFalse(Files.exists(out.resolve(RunLock.FILE)));

        // every job of the run carries the run's group and says where the run is
        String runId = new ObjectMapper().readValue(out.resolve("run.json").toFile(), Map.class).get("run_id")
                .toString();
        assertTrue(described.contains("mkcnn-run-" + runId + " | run " + runId + " epoch 1/2 round 1/4"), described
                .toString());
        assertTrue(described.contains("mkcnn-run-" + runId + " | run " + runId + " epoch 1/2 round 2/4"), described
                .toString());
        assertTrue(described.contains("mkcnn-run-" + runId + " | run " + runId + ": reading and checking the data"),
                described.toString());
        assertTrue(described.stream().allMatch(d -> d.startsWith("mkcnn-run-")), described.toString());

        assertEquals(0, Main.runWith(sc, command(out, 5).toArray(new String[0])));
        assertEquals(MetricKeys.of(reference), MetricKeys.of(out), "the abandoned round is trained once, on the rerun");
    }

    @Test
    void aSecondSignalExitsAtOnce() throws Exception {
        Path out = dir.resolve("twice");
        Path log = dir.resolve("twice.log");
        Process p = child(command(out, 10), log);
        awaitLines(p, out, 1, log);
        signal(p, "TERM");
        // signals of one kind do not queue: send the second once the first is handled, within the round in flight
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(log).contains("SIGTERM received") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long start = System.nanoTime();
        signal(p, "TERM");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String text = Files.readString(log);
        assertEquals(128 + 15, p.exitValue(), text);
        assertTrue(text.contains("second SIGTERM: exiting at once"), text);
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "at once");
        assertFalse(Files.exists(out.resolve(RunLock.FILE)), "the lock is released before the exit");

        // the rerun resumes from what was kept (here: nothing but the first round's metrics line) and finishes
        assertEquals(0, Main.runWith(sc, command(out, 10).toArray(new String[0])));
        assertTrue(Files.exists(out.resolve("model.zip")));
    }
}
