package io.mkcnn.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a training run stands, saved in every checkpoint: how many epochs and rounds are done, the examples and
 * training seconds so far, and every metrics line written. All randomness of the run derives from the
 * configured seed, the epoch and the partition, so this plus the configuration is the whole random state.
 */
public final class RunState {
    public String runId;
    public String configHash;
    public long seed;
    /** Epochs fully trained. */
    public int epochsDone;
    /** Rounds done within the epoch after {@link #epochsDone} (0 at an epoch boundary). */
    public int roundsInEpochDone;
    public int totalRounds;
    public long examplesSeen;
    public double trainSeconds;
    /**
     * Wall-clock seconds of the run up to the last metrics line: training rounds, per-epoch data export,
     * evaluations and checkpoints of every attempt (time between a crash and the rerun is not counted).
     */
    public double elapsedSeconds;
    /**
     * The epochs done, round and validation accuracy of the best model so far ({@code best-model.zip}); round 0:
     * none. Epoch 0 is a best model from within the first epoch (a time budget that ended it there).
     */
    public int bestEpoch;
    public int bestRound;
    public double bestAccuracy;
    /** The lines of metrics.jsonl so far. */
    public List<Map<String, Object>> metrics = new ArrayList<>();

    /** Whether the run keeps a best model: some validation evaluation after a round. */
    public boolean hasBest() {
        return bestRound > 0;
    }

    public static RunState fresh(String runId, String configHash, long seed) {
        RunState s = new RunState();
        s.runId = runId;
        s.configHash = configHash;
        s.seed = seed;
        return s;
    }
}
