package io.mkcnn.train;

import io.mkcnn.config.Transfer;
import io.mkcnn.config.UpdaterSync;
import java.io.Serializable;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Each round's {@link RoundPlan} under {@code train.updater.sync} and {@code train.transfer}: whether the optimizer
 * state travels, stays with the shards, or is averaged every K-th round (counting from the run's first), in which
 * case the driver's last average is broadcast apart so that only a worker with no state of its own fetches it.
 */
final class RoundPlanner implements Serializable {
    private final Transfer transfer;
    private final UpdaterSync sync;
    private final int syncRounds;
    /** Names this planner's shards' executor-side state (bf16 residuals): one per master, so one per run attempt. */
    private final String token = UUID.randomUUID().toString();
    /** The driver's last averaged optimizer state, broadcast apart (periodic synchronisation only). */
    private transient Broadcast<INDArray> driverState;
    private transient String configKey;

    RoundPlanner(Transfer transfer, UpdaterSync sync, int syncRounds) {
        this.transfer = transfer;
        this.sync = sync;
        this.syncRounds = syncRounds;
    }

    String token() {
        return token;
    }

    /**
     * The plan of round {@code round} (0-based, counted over the run) of {@code net}.
     *
     * @param poison test-only: partition 0 returns NaN parameters ({@link RunFaults#poisonRound})
     */
    RoundPlan plan(JavaSparkContext sc, ComputationGraph net, int round, boolean poison) {
        if (sync == UpdaterSync.EVERY) {
            return RoundPlan.every(token, configKey(net), transfer, poison);
        }
        if (sync == UpdaterSync.LOCAL) {
            return RoundPlan.local(token, configKey(net), transfer, poison);
        }
        if (driverState == null) {
            driverState = sc.broadcast(net.getUpdater().getStateViewArray().dup());
        }
        return new RoundPlan(token, configKey(net), transfer, true, round % syncRounds == 0,
                (round + 1) % syncRounds == 0, driverState, poison);
    }

    /** The round's optimizer states were averaged into the network: the shards' next round starts from that. */
    void stateAveraged() {
        if (driverState != null) {
            driverState.destroy();
            driverState = null;
        }
    }

    /** The key of the network's configuration, computed once per run (only the counts change between rounds). */
    private String configKey(ComputationGraph net) {
        if (configKey == null) {
            configKey = WorkerNetworks.configKey(net.getConfiguration());
        }
        return configKey;
    }
}
