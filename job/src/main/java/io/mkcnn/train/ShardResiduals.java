package io.mkcnn.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The executor-side residuals of bf16 transfer ({@link Bf16Changes}), one per shard: keyed by the training master's
 * token (one per run attempt, so runs sharing a JVM never mix) and the task's partition, not by the pooled network a
 * task happens to take. A shard whose task runs on an executor that has no residual for it (a new executor, a
 * retried task, a resumed run) starts from zeros: what another executor keeps is sent when that executor next trains
 * the shard. The least recently used residuals are dropped beyond {@link #MAX_SHARDS} (a long-lived JVM that runs
 * many trainings).
 */
final class ShardResiduals {
    static final int MAX_SHARDS = 64;
    private static final Map<String, float[]> RESIDUALS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
            return size() > MAX_SHARDS;
        }
    };

    private ShardResiduals() {
    }

    /** The residual of {@code token}'s shard {@code partition}, zeros of {@code length} values when there is none. */
    static synchronized float[] of(String token, int partition, int length) {
        String key = token + "/" + partition;
        float[] r = RESIDUALS.get(key);
        if (r == null || r.length != length) {
            r = new float[length];
            RESIDUALS.put(key, r);
        }
        return r;
    }
}
