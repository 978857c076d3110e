package io.mkcnn.train;

import io.mkcnn.input.ShardStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What an executor keeps of a shard between rounds: the bf16 transfer's residual ({@link Bf16Changes}) and the
 * inner optimizer's state between synchronisations ({@code train.updater.sync}). Keyed by the training master's
 * token (one per run attempt, so runs sharing a JVM never mix) and the task's partition, not by the pooled network a
 * task happens to take. A shard whose task runs where nothing is kept for it (a new executor, a retried task, a
 * resumed run) finds nothing here: its residual starts at zeros and its optimizer state at the driver's last
 * averaged one. The least recently used shards are dropped beyond {@link #MAX_SHARDS} (a long-lived JVM that runs
 * many trainings).
 *
 * <p>It also keeps each shard's records as a {@link ShardStream} ({@code train.approach=stream}), for the shards of
 * the two most recently used tokens only: the records are Spark's own cached objects, and a run that ended must not
 * keep its data alive.
 */
final class ShardState {
    static final int MAX_SHARDS = 64;
    private static final Map<String, ShardState> SHARDS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ShardState> eldest) {
            return size() > MAX_SHARDS;
        }
    };

    static final int MAX_STREAM_TOKENS = 2;
    private static final Map<String, Map<Integer, ShardStream>> STREAMS = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<Integer, ShardStream>> eldest) {
            return size() > MAX_STREAM_TOKENS;
        }
    };

    private float[] residual;
    private INDArray updaterState;
    /** The run's iteration at which the kept optimizer state started from zero moments. */
    private long zeroedAt;

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

    /** The shard's stream kept here, or the one {@code make} builds (then kept). */
    static ShardStream stream(String token, int partition, Supplier<ShardStream> make) {
        synchronized (STREAMS) {
            ShardStream kept = STREAMS.computeIfAbsent(token, k -> new HashMap<>()).get(partition);
            if (kept != null) {
                return kept;
            }
        }
        ShardStream made = make.get(); // sorting a shard takes a moment: outside the lock
        synchronized (STREAMS) {
            STREAMS.computeIfAbsent(token, k -> new HashMap<>()).putIfAbsent(partition, made);
            return STREAMS.get(token).get(partition);
        }
    }

    /** The optimizer state this executor kept for the shard, or null. */
    static synchronized INDArray updaterState(String token, int partition) {
        ShardState s = SHARDS.get(token + "/" + partition);
        return s == null ? null : s.updaterState;
    }

    /** The iteration at which the kept optimizer state started from zero moments (0 when there is none). */
    static synchronized long zeroedAt(String token, int partition) {
        ShardState s = SHARDS.get(token + "/" + partition);
        return s == null ? 0 : s.zeroedAt;
    }

    /**
     * Keeps a copy of the shard's optimizer state for its next round here, with the iteration at which it started from
     * zero moments.
     */
    static synchronized void keepUpdaterState(String token, int partition, INDArray state, long zeroedAt) {
        ShardState s = of(token, partition);
        s.zeroedAt = zeroedAt;
        if (s.updaterState == null || s.updaterState.length() != state.length()) {
            s.updaterState = state.dup();
        } else {
            s.updaterState.assign(state);
        }
    }
}
