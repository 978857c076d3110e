package io.mkcnn.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The output directory's lock on a local disk: refusal while alive, take-over once dead or stale, heartbeat. */
class RunLockTest {
    private static final Duration STALE = Duration.ofSeconds(60);
    @TempDir
    Path tmp;

    private FileSystem fs() throws Exception {
        return FileSystem.getLocal(new Configuration());
    }

    private org.apache.hadoop.fs.Path dir(String name) {
        return new org.apache.hadoop.fs.Path(tmp.resolve(name).toUri());
    }

    /** Writes a lock as another process would have: owner fields as given, modified {@code ageSeconds} ago. */
    private Path foreignLock(String name, String host, long pid, String processStart, long ageSeconds) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", "f00d");
        m.put("host", host);
        m.put("pid", pid);
        m.put("process_start", processStart);
        m.put("started", "2026-01-01T00:00:00Z");
        m.put("token", "foreign-token");
        Path lock = d.resolve(RunLock.FILE);
        Files.write(lock, new ObjectMapper().writeValueAsBytes(m));
        Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minusSeconds(ageSeconds)));
        return lock;
    }

    @Test
    void aSecondRunIsRefusedWhileTheFirstHoldsTheLockAndMayTakeItAfterwards() throws Exception {
        RunLock first = RunLock.acquire(fs(), dir("out"), "a1b2", STALE);
        RunLockedException e = assertThrows(RunLockedException.class,
                () -> RunLock.acquire(fs(), dir("out"), "c3d4", STALE));
        assertTrue(e.getMessage().contains("in use by run a1b2 (host " + RunLock.hostName() + ", pid "
                + ProcessHandle.current().pid() + ", started "), e.getMessage());
        assertTrue(e.getMessage().contains("Nothing was written"), e.getMessage());
        assertTrue(Files.exists(tmp.resolve("out").resolve(RunLock.FILE)));
        first.close();
        assertFalse(Files.exists(tmp.resolve("out").resolve(RunLock.FILE)), "released");
        try (RunLock second = RunLock.acquire(fs(), dir("out"), "c3d4", STALE)) {
            assertEquals("c3d4", second.owner().runId());
        }
    }

    @Test
    void aLockOfAnotherHostIsRespectedUntilItsHeartbeatIsStale() throws Exception {
        foreignLock("fresh", "another-host", 1, "", 5);
        RunLockedException e = assertThrows(RunLockedException.class,
                () -> RunLock.acquire(fs(), dir("fresh"), "me", STALE));
        assertTrue(e.getMessage().contains("run f00d (host another-host, pid 1"), e.getMessage());

        foreignLock("stale", "another-host", 1, "", 120);
        try (RunLock taken = RunLock.acquire(fs(), dir("stale"), "me", STALE)) {
            assertEquals("me", taken.owner().runId());
            assertTrue(Files.readString(tmp.resolve("stale").resolve(RunLock.FILE)).contains(taken.owner().token()));
        }
    }

    @Test
    void aLockOfAnEndedProcessOnThisHostIsTakenOverAtOnce() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try {
            ProcessHandle h = sleeper.toHandle();
            String start = h.info().startInstant().map(Instant::toString).orElse("");
            foreignLock("alive", RunLock.hostName(), h.pid(), start, 1);
            assertThrows(RunLockedException.class, () -> RunLock.acquire(fs(), dir("alive"), "me", STALE));

            // the same pid, but a process started at another time: the pid was reused, the owner is gone
            foreignLock("reused", RunLock.hostName(), h.pid(), "2020-01-01T00:00:00Z", 1);
            RunLock.acquire(fs(), dir("reused"), "me", STALE).close();

            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
            try (RunLock taken = RunLock.acquire(fs(), dir("alive"), "me", STALE)) {
                assertEquals("me", taken.owner().runId());
            }
        } finally {
            sleeper.destroyForcibly();
        }
        // a lock with this JVM's pid whose token this JVM does not hold: left by an earlier process of that pid
        foreignLock("mine", RunLock.hostName(), ProcessHandle.current().pid(), "", 1);
        RunLock.acquire(fs(), dir("mine"), "me", STALE).close();
    }

    @Test
    void theHeartbeatKeepsTheLockFreshAndNoticesATakeOver() throws Exception {
        Duration stale = Duration.ofSeconds(2); // heartbeat every 333 ms
        try (RunLock lock = RunLock.acquire(fs(), dir("beat"), "me", stale)) {
            Path file = tmp.resolve("beat").resolve(RunLock.FILE);
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(30)));
            Await.until(() -> System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() < 1000,
                    Duration.ofSeconds(10), "the heartbeat refreshes the lock");
            assertNull(lock.lost());

            String mine = Files.readString(file);
            Files.writeString(file, mine.replace(lock.owner().token(), "someone-else"));
            Await.until(() -> lock.lost() != null, Duration.ofSeconds(10),
                    "a changed token means another run took the lock");
            // closing never deletes another run's lock
        }
        assertTrue(Files.exists(tmp.resolve("beat").resolve(RunLock.FILE)));
        assertNotEquals("", Files.readString(tmp.resolve("beat").resolve(RunLock.FILE)));
    }

    @Test
    void anUnreadableLockIsJudgedByItsAge() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("garbled"));
        Path lock = Files.writeString(d.resolve(RunLock.FILE), "{not json");
        assertThrows(RunLockedException.class, () -> RunLock.acquire(fs(), dir("garbled"), "me", STALE));
        Files.setLastModifiedTime(lock, FileTime.from(Instant.now().minusSeconds(120)));
        RunLock.acquire(fs(), dir("garbled"), "me", STALE).close();
    }
}
