package io.mkcnn.train;

import io.mkcnn.bn.BnStatsRecorder;
import io.mkcnn.config.NativeSettings;
import io.mkcnn.config.Transfer;
import io.mkcnn.runtime.NativeRuntime;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The executor side of a round: DL4J's parameter-averaging worker, with the native runtime configured before
 * the network is built, and a {@link BnStatsRecorder} whose statistics travel back in the {@link RoundResult}.
 * Spark deserializes a fresh copy of this object for every task attempt.
 */
public class BnAwareWorker extends ParameterAveragingTrainingWorker {
    private final Broadcast<NetBroadcastTuple> broadcast;
    private final BnStatsRecorder recorder;
    private final NativeSettings settings;
    private final RoundPlan plan;
    private long fitNanos;
    /** When the minibatch being trained started (0 when none is). */
    private long stepStart;
    /** The iteration at which this task's optimizer state started from zero moments. */
    private long zeroedAt;
    /** Adam's bias correction counted from {@link #zeroedAt} (a shard restarted under {@code local}), or null. */
    private AdamRestart restart;

    public BnAwareWorker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
                         BnStatsRecorder recorder, NativeSettings settings, RoundPlan plan) {
        super(broadcast, saveUpdater, configuration, hooks(recorder), null, null);
        this.broadcast = broadcast;
        this.recorder = recorder;
        this.settings = settings;
        this.plan = plan;
    }

    private static List<TrainingHook> hooks(BnStatsRecorder recorder) {
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(recorder);
        return hooks;
    }

    /**
     * DL4J's worker builds its network from {@code ComputationGraphConfiguration.clone()}, which drops the iteration
     * and epoch counts: every round would restart at iteration 0, so an iteration-based learning-rate schedule never
     * advanced and Adam's bias correction ({@code 1 - beta^t}) was applied for t = 1..frequency each round, scaling
     * its steps by 0.15-0.32. {@link WorkerNetworks} copies the counts from the broadcast configuration into the
     * network it hands out (a kept one from an earlier round, or a new one).
     */
    @Override
    public ComputationGraph getInitialModelGraph() {
        settings.apply();
        ComputationGraph net = WorkerNetworks.take(broadcast.getValue(), plan.configKey(), settings.engine());
        if (plan.keepsUpdaterState()) {
            INDArray kept = plan.adoptDriverState() ? null : ShardState.updaterState(plan.token(), partition());
            INDArray state = net.getUpdater().getStateViewArray();
            if (kept != null) {
                state.assign(kept);
                zeroedAt = ShardState.zeroedAt(plan.token(), partition());
            } else if (plan.restartsFreshShards()) {
                state.assign(0);
                zeroedAt = net.getConfiguration().getIterationCount();
            } else {
                state.assign(plan.driverState().getValue());
            }
            if (plan.restartsFreshShards() && zeroedAt > 0) {
                restart = AdamRestart.attach(net, zeroedAt);
            }
        }
        return net;
    }

    /** The shard this task trains: its partition (0 outside a Spark task). */
    private static int partition() {
        TaskContext task = TaskContext.get();
        return task == null ? 0 : task.partitionId();
    }

    @Override
    public ParameterAveragingTrainingResult processMinibatch(MultiDataSet dataSet, ComputationGraph graph,
                                                             boolean isLast) {
        stepStart = System.nanoTime();
        if (restart != null) {
            restart.beforeStep(graph.getConfiguration().getIterationCount());
        }
        ParameterAveragingTrainingResult r = super.processMinibatch(dataSet, graph, isLast);
        endStep();
        return r;
    }

    /** Counts the minibatch being trained into the fit time (DL4J's worker makes its result within the last one). */
    private void endStep() {
        if (stepStart != 0) {
            fitNanos += System.nanoTime() - stepStart;
            stepStart = 0;
        }
    }

    @Override
    public ParameterAveragingTrainingResult getFinalResult(ComputationGraph network) {
        endStep();
        ParameterAveragingTrainingResult r = super.getFinalResult(network);
        // test-only failure injection (RunFaults.poisonRound)
        boolean nan = plan.poison() && TaskContext.get() != null && partition() == 0;
        // copies: the network goes back to the pool for the next task, and DL4J's result holds views of it
        INDArray params = null;
        short[] changes = null;
        if (plan.transfer() == Transfer.BF16) {
            float[] change = r.getParameters().toFloatVector();
            float[] start = broadcast.getValue().getParameters().toFloatVector();
            for (int i = 0; i < change.length; i++) {
                change[i] = nan ? Float.NaN : change[i] - start[i];
            }
            changes = Bf16Changes.encode(change, ShardState.residual(plan.token(), partition(), change.length));
        } else {
            params = r.getParameters().dup();
            if (nan) {
                params.assign(Double.NaN);
            }
        }
        INDArray updater = null;
        if (r.getUpdaterState() != null) {
            if (plan.keepsUpdaterState()) {
                ShardState.keepUpdaterState(plan.token(), partition(), r.getUpdaterState(), zeroedAt);
            }
            updater = plan.returnUpdaterState() ? r.getUpdaterState().dup() : null;
        }
        if (restart != null) {
            restart.detach();
            restart = null;
        }
        String engine = WorkerNetworks.engineOf(network);
        WorkerNetworks.giveBack(network);
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        String worker = env == null ? "local" : env.executorId() + "@" + env.blockManager().blockManagerId().host();
        return new RoundResult(params, changes, updater, r.getScore(), recorder.moments(),
                recorder.examples(), recorder.batches(), fitNanos, worker,
                NativeRuntime.precision().name().toLowerCase(java.util.Locale.ROOT), engine);
    }
}
