package io.mkcnn.store;

import io.mkcnn.cli.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what a {@code train} command does with its output directory, so that a scheduler may rerun it
 * freely: start a new run, resume an interrupted one (same configuration), do nothing for a finished one, or
 * refuse a run with another configuration unless {@code --fresh} (which moves the old run aside).
 */
public final class RunDirectory {
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

    private RunDirectory(OutputDir out, Action action, String runId, JobConfig cfg) {
        this.out = out;
        this.action = action;
        this.runId = runId;
        this.cfg = cfg;
    }

    /**
     * Opens {@code cfg.out()} for a run of {@code cfg}.
     *
     * @throws InvalidConfigException when it holds a run of another configuration (and not {@code fresh}), or a
     *     model from something other than this job
     */
    public static RunDirectory open(JobConfig cfg, Configuration conf, boolean fresh, String newRunId) {
        OutputDir out = OutputDir.inspect(cfg.out(), conf);
        boolean hasRun = out.exists(RUN_FILE);
        if (!hasRun && (out.exists(MODEL) || out.exists(Checkpoints.DIR))) {
            if (!fresh) {
                throw new InvalidConfigException(cfg.out() + ": holds a model or checkpoints but no " + RUN_FILE
                        + "; choose another --out, or pass --fresh to move it aside and start over");
            }
        }
        if (fresh && (hasRun || out.exists(MODEL) || out.exists(Checkpoints.DIR))) {
            LOG.info("--fresh: previous content of {} moved to {}", out.path(), out.moveAside());
            hasRun = false;
        }
        if (!hasRun) {
            return new RunDirectory(out, Action.START, newRunId, cfg);
        }
        Map<?, ?> run = readRunFile(out);
        String hash = String.valueOf(run.get("config_hash"));
        String runId = String.valueOf(run.get("run_id"));
        if (!hash.equals(cfg.hash())) {
            throw new InvalidConfigException(cfg.out() + ": holds run " + runId + " with another configuration (hash "
                    + hash + ", this one " + cfg.hash() + ", see " + out.resolve("config.properties")
                    + "); rerun with the same settings, choose another --out, or pass --fresh to start over "
                    + "(the old run is moved aside, not deleted)");
        }
        if (out.exists(MODEL) && out.exists(METRICS)) {
            return new RunDirectory(out, Action.COMPLETE, runId, cfg);
        }
        return new RunDirectory(out, Action.RESUME, runId, cfg);
    }

    /**
     * Creates the directory and records the run in it (for a new run; nothing is written before this, so input
     * found bad first leaves no trace).
     */
    public void begin() {
        if (action != Action.START) {
            return;
        }
        out.create();
        out.writeText(RUN_FILE, io.mkcnn.eval.Metrics.toJson(Map.of("run_id", runId, "config_hash", cfg.hash(),
                "started", java.time.Instant.now().toString())));
        out.writeText("config.properties", cfg.describe());
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
}
