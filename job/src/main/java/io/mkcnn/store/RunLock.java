package io.mkcnn.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run per output directory: {@code OUT/run.lock} names its owner (run id, host, process id and
 * start, a random token) and is kept alive by a heartbeat that refreshes its modification time every
 * {@code stale/6}. A second run finds it and is refused ({@link RunLockedException}); a lock whose owner is gone
 * (no heartbeat for {@code stale}, or, on the same host, a process that no longer exists) is taken over with a
 * warning, so a killed run can always be rerun.
 *
 * <p>Creating the lock is atomic where the filesystem allows it: {@code link(2)} on local disks, HDFS's rename
 * (which never replaces an existing file) elsewhere. S3 offers no create-if-absent through the S3A connector of
 * Hadoop 3.3: there the lock is created after an existence check and read back after a settling delay, which
 * catches every overlap except two runs created within that delay of each other (see docs/operations.md).
 */
public final class RunLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String FILE = "run.lock";
    /** Tokens of the locks held by this JVM: an owner with this JVM's pid is alive only if its token is here. */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();
    private static final long S3_SETTLE_MILLIS = 1500;

    private final FileSystem fs;
    private final Path path;
    private final Owner owner;
    private final ScheduledExecutorService heartbeat;
    private volatile String lost;

    /** Who holds a lock. */
    public record Owner(String runId, String host, long pid, String processStart, String started, String token) {
        static Owner current(String runId) {
            ProcessHandle me = ProcessHandle.current();
            return new Owner(runId, hostName(), me.pid(),
                    me.info().startInstant().map(Instant::toString).orElse(""), Instant.now().toString(),
                    UUID.randomUUID().toString());
        }

        /** "run 8a2e (host h, pid 123, started ...)". */
        public String describe() {
            return "run " + runId + " (host " + host + ", pid " + pid + ", started " + started + ")";
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", runId);
            m.put("host", host);
            m.put("pid", pid);
            m.put("process_start", processStart);
            m.put("started", started);
            m.put("token", token);
            return m;
        }

        static Owner fromMap(Map<?, ?> m) {
            return new Owner(String.valueOf(m.get("run_id")), String.valueOf(m.get("host")),
                    ((Number) m.get("pid")).longValue(), String.valueOf(m.get("process_start")),
                    String.valueOf(m.get("started")), String.valueOf(m.get("token")));
        }
    }

    private RunLock(FileSystem fs, Path path, Owner owner, Duration stale) {
        this.fs = fs;
        this.path = path;
        this.owner = owner;
        HELD.add(owner.token());
        long every = Math.max(200, stale.toMillis() / 6);
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        heartbeat.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the lock of {@code dir} for {@code runId}, creating the directory if needed.
     *
     * @throws RunLockedException when a live run holds it
     */
    public static RunLock acquire(FileSystem fs, Path dir, String runId, Duration stale) {
        Path path = new Path(dir, FILE);
        Owner me = Owner.current(runId);
        try {
            OutputDir.mkdirs(fs, dir);
        } catch (IOException e) {
            throw OutputException.unusable(dir, "cannot create the output directory", e);
        }
        try {
            for (int attempt = 0; attempt < 5; attempt++) {
                if (create(fs, path, me)) {
                    return new RunLock(fs, path, me, stale);
                }
                Optional<Held> other = read(fs, path);
                if (other.isEmpty()) {
                    continue; // released (or still being written) meanwhile: try again
                }
                Held h = other.get();
                String why = deadReason(h, stale);
                if (why == null) {
                    throw new RunLockedException(path, h.owner(), h.ageSeconds(), stale);
                }
                LOG.warn("{}: taking over the lock of {}: {}", path, h.owner().describe(), why);
                takeOver(fs, path, h.owner());
            }
        } catch (IOException e) {
            throw OutputException.unusable(dir, "cannot take the run lock", e);
        }
        Held h = read(fs, path).orElse(null);
        throw h == null ? new OutputException(path + ": cannot take the run lock (it keeps changing hands)")
                : new RunLockedException(path, h.owner(), h.ageSeconds(), stale);
    }

    /** The lock's owner. */
    public Owner owner() {
        return owner;
    }

    /** Why this run no longer holds its lock (another run took it over), or null while it does. */
    public String lost() {
        return lost;
    }

    /** Stops the heartbeat and deletes the lock if it is still this run's. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        HELD.remove(owner.token());
        try {
            Optional<Held> now = read(fs, path);
            if (now.isPresent() && now.get().owner().token().equals(owner.token())) {
                fs.delete(path, false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot release the run lock ({}); the next run takes it over once it is stale", path,
                    e.toString());
        }
    }

    /** A lock as found: its owner and the seconds since its last heartbeat. */
    record Held(Owner owner, double ageSeconds) {
    }

    private void beat() {
        try {
            Optional<Held> now = read(fs, path);
            if (now.isEmpty() || !now.get().owner().token().equals(owner.token())) {
                lost = now.map(h -> "taken over by " + h.owner().describe()).orElse(path + " was deleted");
                LOG.error("{}: this run lost its lock ({}); it stops at the next round", path, lost);
                heartbeat.shutdown();
                return;
            }
            long t = System.currentTimeMillis();
            if ("s3a".equals(fs.getUri().getScheme())) {
                write(fs, path, owner, true); // S3 keeps no settable modification time: rewrite the object
            } else {
                fs.setTimes(path, t, -1);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: heartbeat failed ({}); retrying", path, e.toString());
        }
    }

    /** Why the holder of a lock is gone, or null if it may be alive. */
    private static String deadReason(Held h, Duration stale) {
        Owner o = h.owner();
        if (h.ageSeconds() > stale.toSeconds()) {
            return String.format("no heartbeat for %.0f s (run.lock.stale.seconds=%d)", h.ageSeconds(),
                    stale.toSeconds());
        }
        if (!o.host().equals(hostName())) {
            return null;
        }
        if (o.pid() == ProcessHandle.current().pid()) {
            return HELD.contains(o.token()) ? null : "its process (this process id, reused) no longer holds it";
        }
        Optional<ProcessHandle> p = ProcessHandle.of(o.pid());
        if (p.isEmpty() || !p.get().isAlive()) {
            return "its process " + o.pid() + " on this host has ended";
        }
        String start = p.get().info().startInstant().map(Instant::toString).orElse("");
        if (!o.processStart().isEmpty() && !start.isEmpty() && !start.equals(o.processStart())) {
            return "process id " + o.pid() + " now belongs to another process (started " + start + ")";
        }
        return null;
    }

    /** Creates the lock if absent; false if it exists. */
    private static boolean create(FileSystem fs, Path path, Owner me) throws IOException {
        String scheme = fs.getUri().getScheme();
        if ("file".equals(scheme)) {
            java.nio.file.Path target = java.nio.file.Path.of(path.toUri());
            java.nio.file.Path tmp = target.resolveSibling("." + FILE + ".tmp-" + me.token());
            java.nio.file.Files.write(tmp, JSON.writeValueAsBytes(me.toMap()));
            try {
                java.nio.file.Files.createLink(target, tmp); // link(2): fails if the lock exists
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
        }
        if ("s3a".equals(scheme)) {
            if (fs.exists(path)) {
                return false;
            }
            write(fs, path, me, false);
            try {
                Thread.sleep(S3_SETTLE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Optional<Held> back = read(fs, path);
            return back.isPresent() && back.get().owner().token().equals(me.token());
        }
        Path tmp = new Path(path.getParent(), "." + FILE + ".tmp-" + me.token());
        write(fs, tmp, me, false);
        try {
            return fs.rename(tmp, path); // HDFS: atomic, false if the lock exists
        } finally {
            fs.delete(tmp, false);
        }
    }

    private static void write(FileSystem fs, Path path, Owner owner, boolean overwrite) throws IOException {
        try (OutputStream out = fs.create(path, overwrite)) {
            out.write(JSON.writeValueAsBytes(owner.toMap()));
        }
    }

    /** The lock's owner and age, or empty if there is no lock; an unreadable lock is judged by its age alone. */
    static Optional<Held> read(FileSystem fs, Path path) {
        try {
            FileStatus st = fs.getFileStatus(path);
            double age = Math.max(0, (System.currentTimeMillis() - st.getModificationTime()) / 1000.0);
            try (InputStream in = fs.open(path)) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                try {
                    return Optional.of(new Held(Owner.fromMap(JSON.readValue(text, Map.class)), age));
                } catch (IOException | RuntimeException e) {
                    return Optional.of(new Held(new Owner("?", "?", -1, "", "?", "unreadable:" + text.hashCode()),
                            age));
                }
            }
        } catch (java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new OutputException(path + ": cannot read the run lock (" + e.getMessage() + ")", e);
        }
    }

    /** Moves a dead owner's lock away; puts it back if what was moved turns out to be someone else's new lock. */
    private static void takeOver(FileSystem fs, Path path, Owner dead) throws IOException {
        Path aside = new Path(path.getParent(), "." + FILE + ".stale-" + UUID.randomUUID());
        if (!fs.rename(path, aside)) {
            return; // someone else moved it first: look again
        }
        Optional<Held> moved = read(fs, aside);
        if (moved.isPresent() && !moved.get().owner().token().equals(dead.token())) {
            // a live run's fresh lock: restore it, never over a lock created meanwhile
            if (!fs.exists(path)) {
                fs.rename(aside, path);
            }
            return;
        }
        fs.delete(aside, false);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown-host");
        }
    }
}
