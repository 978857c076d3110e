package io.mkcnn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What an executor keeps of a shard between rounds: the bf16 transfer's residual ({@link Bf16Changes}) and the
 * inner optimizer's state between synchronisations ({@code train.updater.sync}). Keyed by the training master's
 * token (one per run attempt, so runs sharing a JVM never mix) and the task's partition, not by the pooled network a
 * task happens to take. A shard whose task runs where nothing is kept for it (a new executor, a retried task, a
 * resumed run) finds nothing here: its residual starts at zeros and its optimizer state at the driver's last
 * averaged one. The least recently used shards are dropped beyond {@link #MAX_SHARDS} (a long-lived JVM that runs
 * many trainings).
 */
final class ShardState {
    static final int MAX_SHARDS = 64;
    private static final Map<String, ShardState> SHARDS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ShardState> eldest) {
            return size() > MAX_SHARDS;
        }
    };

    private float[] residual;
    private INDArray updaterState;

    private ShardState() {
    }

    private static ShardState of(String token, int partition) {
        return SHARDS.computeIfAbsent(token + "/" + partition, k -> new ShardState());
    }

    /** The residual of {@code token}'s shard {@code partition}, zeros of {@code length} values when there is none. */
    static synchronized float[] residual(String token, int partition, int length) {
        ShardState s = of(token, partition);
        if (s.residual == null || s.residual.length != length) {
            s.residual = new float[length];
        }
        return s.residual;
    }

    /** The optimizer state this executor kept for the shard, or null. */
    static synchronized INDArray updaterState(String token, int partition) {
        ShardState s = SHARDS.get(token + "/" + partition);
        return s == null ? null : s.updaterState;
    }

    /** Keeps a copy of the shard's optimizer state for its next round here. */
    static synchronized void keepUpdaterState(String token, int partition, INDArray state) {
        ShardState s = of(token, partition);
        if (s.updaterState == null || s.updaterState.length() != state.length()) {
            s.updaterState = state.dup();
        } else {
            s.updaterState.assign(state);
        }
    }
}
