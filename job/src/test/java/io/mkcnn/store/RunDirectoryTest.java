package io.mkcnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Cli;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What train does with an existing --out: refuses other people's files and live runs, writing nothing. */
class RunDirectoryTest extends SparkTest {
    @TempDir
    static Path tmp;
    static SyntheticData data;

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(tmp.resolve("data"), 256, 3);
    }

    private static Map.Entry<Integer, String> train(Path out, String... dataPath) {
        String train = dataPath.length > 0 ? dataPath[0] : data.train();
        return Cli.run(sc, "train", "--data", train, "--test", data.test(),
                "--out", out.toString(), "--epochs", "1", "--workers", "2", "--set", "train.batch=32",
                "--set", "train.averaging.frequency=2");
    }

    private static List<String> listing(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + (Files.isDirectory(p) ? "/" : " " + p.toFile().length())).sorted()
                    .toList();
        }
    }

    @Test
    void theRunIdIsKnownBeforeTheRunForItsMetricsNames() throws Exception {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        Path run = Files.createDirectories(tmp.resolve("named"));
        assertEquals("new1", RunDirectory.runIdFor(run.toString(), conf, false, "new1"), "no run there yet");
        Files.writeString(run.resolve("run.json"), "{\"run_id\":\"ab12\",\"config_hash\":\"x\"}");
        assertEquals("ab12", RunDirectory.runIdFor(run.toString(), conf, false, "new1"), "a rerun resumes it");
        assertEquals("new1", RunDirectory.runIdFor(run.toString(), conf, true, "new1"), "--fresh starts over");
        assertEquals("new1", RunDirectory.runIdFor("", conf, false, "new1"), "no --out: opening it says why");
    }

    @Test
    void aDirectoryOfSomeoneElsesFilesIsRefusedAndLeftAsItWas() throws Exception {
        Path mine = Files.createDirectories(tmp.resolve("my-photos"));
        Files.writeString(mine.resolve("holiday.jpg"), "not a run");
        Files.createDirectories(mine.resolve("2025"));
        List<String> before = listing(mine);
        var r = train(mine);
        assertEquals(2, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains(mine + ": an existing directory that holds no run of this job (2025, "
                + "holiday.jpg); choose a new or empty --out (nothing was written)"), r.getValue());
        assertEquals(before, listing(mine), "nothing written, not even the lock");
    }

    @Test
    void anEmptyExistingDirectoryIsFineAndTheLockIsReleasedAtTheEnd() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        var r = train(empty);
        assertEquals(0, r.getKey(), r.getValue());
        assertTrue(Files.exists(empty.resolve("model.zip")));
        assertFalse(Files.exists(empty.resolve(RunLock.FILE)), "released");
        // rerunning the finished run is still a no-op success
        assertEquals(0, train(empty).getKey());
    }

    @Test
    void aRunHeldByALiveProcessIsRefusedWithItsOwnExitCode() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("held"));
        Process owner = new ProcessBuilder("sleep", "600").start();
        try {
            String start = owner.toHandle().info().startInstant().map(Instant::toString).orElse("");
            Files.writeString(out.resolve(RunLock.FILE), "{\"run_id\":\"beef\",\"host\":\"" + RunLock.hostName()
                    + "\",\"pid\":" + owner.pid() + ",\"process_start\":\"" + start + "\",\"started\":\"then\","
                    + "\"token\":\"t\"}");
            List<String> before = listing(out);
            var r = train(out);
            assertEquals(6, r.getKey(), r.getValue());
            assertTrue(r.getValue().contains("in use by run beef (host " + RunLock.hostName() + ", pid " + owner.pid()),
                    r.getValue());
            assertEquals(before, listing(out), "nothing written");

            var fresh = Cli.run(sc, "train", "--data", data.train(), "--test",
                    data.test(), "--out", out.toString(), "--fresh");
            assertEquals(6, fresh.getKey(), "--fresh never moves a live run aside: " + fresh.getValue());
            assertEquals(before, listing(out), "nothing moved or written");

            owner.destroyForcibly();
            assertTrue(owner.waitFor(10, TimeUnit.SECONDS));
            var again = train(out);
            assertEquals(0, again.getKey(), again.getValue());
            assertTrue(Files.exists(out.resolve("model.zip")), "the dead owner's lock was taken over");
        } finally {
            owner.destroyForcibly();
        }
    }

    @Test
    void badInputLeavesNoDirectoryBehind() throws Exception {
        Path bad = Files.write(tmp.resolve("bad.bin"), new byte[100]);
        Path out = tmp.resolve("never");
        var r = train(out, bad.toString());
        assertEquals(3, r.getKey(), r.getValue());
        assertFalse(Files.exists(out), "the directory the lock created is removed again");
    }
}
