package io.mkcnn.config;

import io.mkcnn.kernels.Precision;
import io.mkcnn.model.Engine;
import java.io.Serializable;

/**
 * How and where a run operates, not what it computes: none of these keys is part of {@link JobConfig#hash()}, so a
 * rerun that changes only them resumes.
 *
 * @param out the run's output directory
 * @param exportDir where exported minibatches go ({@code train.approach=export}); empty for under {@code out}
 * @param threads native threads per JVM; 0 for the task's cores
 * @param precision the convolutions' precision ({@code auto} picks per machine)
 * @param engine what runs a training step: the fused body or DL4J's layer graph (same parameters either way)
 * @param evalBatch records per evaluation batch
 * @param checkpointEveryRounds rounds between checkpoints
 * @param checkpointKeep checkpoints kept
 * @param lockStaleSeconds seconds after which a run lock nobody renews is taken over
 * @param stopGraceSeconds seconds a graceful stop waits for the round in flight
 * @param testEveryEpochs epochs between scorings of the test records besides the one at the end, when a validation
 *     set takes the per-epoch evaluations; 0 for only at the end
 * @param maxMinutes this invocation's time budget: training ends at the last round boundary that leaves time for
 *     the final evaluation and outputs; 0 for none
 */
public record OpsConfig(String out, String exportDir, int threads, Precision precision, Engine engine, int evalBatch,
                        int checkpointEveryRounds, int checkpointKeep, int lockStaleSeconds, int stopGraceSeconds,
                        int testEveryEpochs, double maxMinutes)
        implements Serializable {

    static OpsConfig read(Settings s) {
        return new OpsConfig(
                s.string("out", ""),
                s.string("train.export.dir", ""),
                s.intValue("runtime.threads", 0, 0, 1024),
                s.enumValue("model.precision", Precision.AUTO),
                s.enumValue("model.engine", Engine.FUSED),
                s.intValue("eval.batch", 256, 1, 65_536),
                s.intValue("checkpoint.every.rounds", 10, 1, 1_000_000),
                s.intValue("checkpoint.keep", 3, 1, 1000),
                s.intValue("run.lock.stale.seconds", 60, 2, 86_400),
                s.intValue("stop.grace.seconds", 20, 0, 86_400),
                s.intValue("eval.test.every.epochs", 0, 0, 100_000),
                s.doubleValue("train.max.minutes", 0.0, 0.0, 1_000_000.0));
    }

    /** The native settings every JVM that trains or predicts for this run applies. */
    public NativeSettings nativeSettings() {
        return new NativeSettings(threads, precision, engine);
    }
}
