package io.mkcnn.store;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a {@code train} command does with its output directory, so that a scheduler may rerun it
 * freely: start a new run, resume an interrupted one (same configuration), do nothing for a finished one, or
 * refuse a run with another configuration unless {@code --fresh} (which moves the old run aside). It holds the
 * directory's {@link RunLock} from before the decision until {@link #close()}, so two runs never share a directory,
 * and refuses an existing directory that holds files but no run of this job.
 */
public final class RunDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    public static final String RUN_FILE = "run.json";
    public static final String MODEL = "model.zip";
    public static final String METRICS = "metrics.json";

    /** What to do. */
    public enum Action { START, RESUME, COMPLETE }

    private final OutputDir out;
    private final Action action;
    private final String runId;
    private final JobConfig cfg;
    private final RunLock lock;
    private final boolean created;
    private boolean begun;

    private RunDirectory(OutputDir out, Action action, String runId, JobConfig cfg, RunLock lock, boolean created) {
        this.out = out;
        this.action = action;
        this.runId = runId;
        this.cfg = cfg;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Locks {@code cfg.out()} for a run of {@code cfg} and decides what to do with it.
     *
     * @throws RunLockedException when another live run holds it
     * @throws InvalidConfigException when it holds a run of another configuration (and not {@code fresh}), a
     *     model from something other than this job, or files that are no run at all
     */
    public static RunDirectory open(JobConfig cfg, Configuration conf, boolean fresh, String newRunId) {
        OutputDir out = OutputDir.inspect(cfg.ops().out(), conf);
        boolean existed = out.isDirectory();
        String lockRun = newRunId;
        if (!fresh && out.exists(RUN_FILE)) {
            try {
                lockRun = String.valueOf(readRunFile(out).get("run_id"));
            } catch (OutputException e) {
                // reported below, under the lock
            }
        }
        RunLock lock = RunLock.acquire(out.fileSystem(), out.path(), lockRun,
                Duration.ofSeconds(cfg.ops().lockStaleSeconds()));
        try {
            return decide(cfg, out, fresh, newRunId, lock, !existed);
        } catch (RuntimeException e) {
            lock.close();
            if (!existed) {
                out.deleteIfEmpty();
            }
            throw e;
        }
    }

    private static RunDirectory decide(JobConfig cfg, OutputDir out, boolean fresh, String newRunId, RunLock lock,
                                       boolean created) {
        List<String> entries = out.list();
        boolean hasRun = entries.contains(RUN_FILE);
        boolean artifacts = entries.contains(MODEL) || entries.contains(Checkpoints.DIR);
        if (!hasRun && !entries.isEmpty()) {
            if (!artifacts) {
                throw new InvalidConfigException(cfg.ops().out()
                        + ": an existing directory that holds no run of this job ("
                        + String.join(", ", entries.subList(0, Math.min(5, entries.size())))
                        + (entries.size() > 5 ? ", ..." : "") + "); choose a new or empty --out (nothing was written)");
            }
            if (!fresh) {
                throw new InvalidConfigException(cfg.ops().out() + ": holds a model or checkpoints but no " + RUN_FILE
                        + "; choose another --out, or pass --fresh to move it aside and start over");
            }
        }
        if (fresh && !entries.isEmpty()) {
            LOG.info("--fresh: previous content of {} moved to {}", out.path(), out.moveAside());
            hasRun = false;
        }
        if (!hasRun) {
            return new RunDirectory(out, Action.START, newRunId, cfg, lock, created);
        }
        Map<?, ?> run = readRunFile(out);
        String hash = String.valueOf(run.get("config_hash"));
        String runId = String.valueOf(run.get("run_id"));
        if (!hash.equals(cfg.hash())) {
            throw new InvalidConfigException(cfg.ops().out() + ": holds run " + runId
                    + " with another configuration (hash "
                    + hash + ", this one " + cfg.hash() + savedDifferences(out, cfg) + "; see "
                    + out.resolve("config.properties") + "); rerun with the settings saved there, choose another "
                    + "--out, or pass --fresh to start over (the old run is moved aside, not deleted)");
        }
        if (out.exists(MODEL) && out.exists(METRICS) && complete(out)) {
            return new RunDirectory(out, Action.COMPLETE, runId, cfg, lock, created);
        }
        return new RunDirectory(out, Action.RESUME, runId, cfg, lock, created);
    }

    /**
     * Whether the run's {@code metrics.json} says it is complete: a run stopped by its time budget wrote its outputs
     * but is not (files written before the key existed are of complete runs).
     */
    private static boolean complete(OutputDir out) {
        try {
            Map<?, ?> metrics = new ObjectMapper().readValue(out.readText(METRICS), Map.class);
            return !Boolean.FALSE.equals(metrics.get("complete"));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(out.resolve(METRICS) + ": not a metrics file of this job ("
                    + e.getOriginalMessage() + "); choose another --out, or pass --fresh to move the run aside");
        }
    }

    /**
     * Records a new run in the directory (nothing but the lock is written before this, so input found bad first
     * leaves no trace).
     */
    public void begin() {
        begun = true;
        if (action != Action.START) {
            return;
        }
        out.create();
        try {
            out.writeText(RUN_FILE, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                    Map.of("run_id", runId, "config_hash", cfg.hash(), "started", java.time.Instant.now().toString())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.writeText("config.properties", cfg.describe());
    }

    /** Why this run lost its lock to another, or null while it holds it. */
    public String lockLost() {
        return lock.lost();
    }

    /** Releases the lock; a directory this run created and never began is removed again. */
    @Override
    public void close() {
        lock.close();
        if (created && !begun) {
            out.deleteIfEmpty();
        }
    }

    /**
     * The run id a run in {@code out} would take: the id of the run there (what a rerun resumes), or
     * {@code newRunId} when there is none or {@code fresh} starts over. Read before the run's SparkContext exists
     * (the id names its metrics); a directory that cannot be read gives {@code newRunId}, and opening it reports why.
     */
    public static String runIdFor(String out, Configuration conf, boolean fresh, String newRunId) {
        if (fresh) {
            return newRunId;
        }
        try {
            OutputDir dir = OutputDir.inspect(out, conf);
            return dir.exists(RUN_FILE) ? String.valueOf(readRunFile(dir).get("run_id")) : newRunId;
        } catch (RuntimeException e) {
            LOG.debug("{}: run id not read before the run: {}", out, e.toString());
            return newRunId;
        }
    }

    private static Map<?, ?> readRunFile(OutputDir out) {
        try {
            return new ObjectMapper().readValue(out.readText(RUN_FILE), Map.class);
        } catch (java.io.IOException e) {
            throw new OutputException(out.resolve(RUN_FILE) + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    public OutputDir out() {
        return out;
    }

    public Action action() {
        return action;
    }

    public String runId() {
        return runId;
    }

    /** "; differing: key: saved -> now, ..." from the run's config.properties, or "" when it cannot be read. */
    private static String savedDifferences(OutputDir out, JobConfig cfg) {
        try {
            java.util.Properties p = new java.util.Properties();
            p.load(new java.io.StringReader(out.readText("config.properties")));
            Map<String, String> saved = new java.util.TreeMap<>();
            p.stringPropertyNames().forEach(k -> saved.put(k, p.getProperty(k)));
            java.util.List<String> diff = cfg.differencesFrom(saved);
            return diff.isEmpty() ? "" : "; differing: " + String.join(", ", diff);
        } catch (RuntimeException | java.io.IOException e) {
            return "";
        }
    }
}
