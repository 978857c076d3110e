package io.mkcnn.train;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.store.Checkpoints;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunState;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A run's checkpoints with what they carry beside the model and its state: the outer optimizer's momentum and the
 * best model so far. Restored when the run starts, written every {@code checkpoint.every.rounds} rounds, at epoch
 * ends and when the run stops.
 */
final class RunCheckpoints {
    private final JobConfig cfg;
    private final OutputDir out;
    private final Checkpoints checkpoints;
    private final OuterOptimizer outer;
    private final BestModel best;
    private int lastRound = -1;

    RunCheckpoints(JobConfig cfg, OutputDir out) {
        this.cfg = cfg;
        this.out = out;
        this.checkpoints = new Checkpoints(out, cfg.ops().checkpointKeep());
        this.outer = OuterOptimizer.of(cfg);
        this.best = new BestModel(out);
    }

    /**
     * Where the run starts.
     *
     * @param state the restored state, or a fresh one
     * @param net the restored network; null for a fresh run
     * @param from the checkpoint resumed from; null for a fresh run
     */
    record Start(RunState state, ComputationGraph net, Path from) {
    }

    /**
     * Resumes from the newest readable checkpoint (its state, network, outer momentum and best model, whose file
     * becomes the checkpoint's), or starts afresh; refuses when checkpoints exist but none is readable.
     *
     * @param totalIterations the run's iterations, which a network of this configuration is built with
     */
    Start restoreOrStart(String runId, long totalIterations) {
        // a checkpoint's network must have this configuration's shapes; one network is built to compare
        ComputationGraph[] expected = new ComputationGraph[1];
        Consumer<ComputationGraph> check = checkpointed -> {
            if (expected[0] == null) {
                expected[0] = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(totalIterations));
            }
            MultiKernelNet.requireSameShapes(expected[0], checkpointed);
        };
        Checkpoints.Restored restored = checkpoints.restore(cfg.hash(), check, List.of(outer, best));
        if (restored.found()) {
            best.restoreFile();
            lastRound = restored.state().totalRounds;
            return new Start(restored.state(), restored.net(), restored.dir());
        }
        if (!restored.skipped().isEmpty()) {
            // starting over would drop the rounds those checkpoints hold; moving the run aside keeps them
            throw new InvalidDataException(out.resolve(Checkpoints.DIR) + ": no checkpoint is readable ("
                    + String.join("; ", restored.skipped()) + "); starting over would lose their rounds: rerun with "
                    + "--fresh to move this run aside (nothing is deleted) and start again");
        }
        best.restoreFile(); // a best model of a run that never reached its first checkpoint goes
        return new Start(RunState.fresh(runId, cfg.hash(), cfg.train().seed()), null, null);
    }

    /** Writes a checkpoint of {@code net} at {@code state}; returns its directory. */
    Path write(ComputationGraph net, RunState state) {
        Path dir = checkpoints.write(net, state, List.of(outer, best));
        lastRound = state.totalRounds;
        return dir;
    }

    /** Whether {@code state} has rounds no checkpoint holds yet. */
    boolean behind(RunState state) {
        return state.totalRounds > lastRound;
    }

    /** The newest checkpoint's directory, for a message. */
    String latest() {
        return checkpoints.latest().map(c -> c.dir().toString()).orElse("none (diverged before the first)");
    }

    OuterOptimizer outer() {
        return outer;
    }

    BestModel best() {
        return best;
    }
}
