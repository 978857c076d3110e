package io.mkcnn.train;

import io.mkcnn.config.Transfer;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the driver tells every worker of one round besides the broadcast network.
 *
 * @param token names the run attempt's shard state on the executors ({@link ShardState})
 * @param configKey names the network's configuration for the executors' kept networks ({@link WorkerNetworks})
 * @param transfer what the worker returns: its parameters or its bf16 change
 * @param keepsUpdaterState the optimizer state stays with the shards between synchronisations
 *     ({@code train.updater.sync=periodic}) or always ({@code local}); false: it travels every round in the
 *     broadcast and the results
 * @param adoptDriverState the shards start this round from the driver's averaged optimizer state (the first round,
 *     and the one after each synchronisation)
 * @param returnUpdaterState the workers return their optimizer state to be averaged (always when it is not kept)
 * @param driverState the driver's last averaged optimizer state, fetched only by a worker that needs it (null when
 *     the state travels in the broadcast, or never leaves the shards)
 * @param poison test-only: partition 0 returns NaN parameters ({@link RunFaults#poisonRound})
 */
public record RoundPlan(String token, String configKey, Transfer transfer, boolean keepsUpdaterState,
                        boolean adoptDriverState, boolean returnUpdaterState, Broadcast<INDArray> driverState,
                        boolean poison)
        implements Serializable {

    /** {@code train.updater.sync=local}: each shard keeps its own optimizer state, which never travels. */
    public static RoundPlan local(String token, String configKey, Transfer transfer, boolean poison) {
        return new RoundPlan(token, configKey, transfer, true, false, false, null, poison);
    }

    /** Whether a shard with no kept state starts from zero moments (with Adam's bias correction restarted for it). */
    public boolean restartsFreshShards() {
        return keepsUpdaterState && driverState == null;
    }

    /** Today's plan: parameters and optimizer state both ways every round. */
    public static RoundPlan every(String token, String configKey, Transfer transfer, boolean poison) {
        return new RoundPlan(token, configKey, transfer, false, true, true, null, poison);
    }
}
