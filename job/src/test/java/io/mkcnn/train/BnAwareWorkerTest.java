package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mkcnn.bn.BnStatsRecorder;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.testutil.SparkTest;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The network a worker starts a round from. */
class BnAwareWorkerTest extends SparkTest {
    @Test
    void workerContinuesTheDriversIterationAndEpochCount() {
        ComputationGraph driver = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        driver.getConfiguration().setIterationCount(370);
        driver.getConfiguration().setEpochCount(3);
        Broadcast<NetBroadcastTuple> broadcast = sc.broadcast(new NetBroadcastTuple(driver.getConfiguration(),
                driver.params(), driver.getUpdater().getStateViewArray()));
        BnAwareWorker worker = new BnAwareWorker(broadcast, true,
                new WorkerConfiguration(true, 1, 8, 0, 0, false), new BnStatsRecorder(), new io.mkcnn.config.NativeSettings(1, io.mkcnn.kernels.Precision.AUTO),
                RoundPlan.every("test", WorkerNetworks.configKey(driver.getConfiguration()), io.mkcnn.config.Transfer.FP32, false));

        ComputationGraph net = worker.getInitialModelGraph();

        // the learning-rate schedule and Adam's bias correction read these
        assertEquals(370, net.getConfiguration().getIterationCount());
        assertEquals(3, net.getConfiguration().getEpochCount());
        assertEquals(driver.params(), net.params());
        assertEquals(driver.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray());
    }

    @Test
    void aShardKeepsItsOptimizerStateBetweenRoundsAndAFreshOneStartsFromTheDriversAverage() {
        ComputationGraph driver = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        INDArray averaged = driver.getUpdater().getStateViewArray().dup().assign(0.25);
        Broadcast<NetBroadcastTuple> broadcast = sc.broadcast(new NetBroadcastTuple(driver.getConfiguration(),
                driver.params(), null));
        Broadcast<INDArray> driverState = sc.broadcast(averaged);
        String token = "shard-test-" + System.nanoTime();
        java.util.function.BiFunction<String, Boolean, BnAwareWorker> worker = (t, adopt) -> new BnAwareWorker(
                broadcast, true, new WorkerConfiguration(true, 1, 8, 0, 0, false), new BnStatsRecorder(),
                new io.mkcnn.config.NativeSettings(1, io.mkcnn.kernels.Precision.AUTO),
                new RoundPlan(t, WorkerNetworks.configKey(driver.getConfiguration()), io.mkcnn.config.Transfer.FP32, true, adopt, false, driverState, false));

        // first round: nothing kept here, so the driver's average
        BnAwareWorker first = worker.apply(token, false);
        ComputationGraph net = first.getInitialModelGraph();
        assertEquals(averaged, net.getUpdater().getStateViewArray());
        net.getUpdater().getStateViewArray().assign(0.5); // what the round's training left
        var result = first.getFinalResult(net);
        assertEquals(null, result.getUpdaterState(), "a round between synchronisations returns no state");

        // next round on this executor: the shard's own state
        ComputationGraph again = worker.apply(token, false).getInitialModelGraph();
        assertEquals(0.5, again.getUpdater().getStateViewArray().meanNumber().doubleValue(), 1e-7);
        org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker w = worker.apply(token, false);
        w.getFinalResult(again);

        // the round after a synchronisation, or another run (a fresh executor has nothing): the driver's average
        assertEquals(averaged, worker.apply(token, true).getInitialModelGraph().getUpdater().getStateViewArray());
        assertEquals(averaged, worker.apply("other-" + token, false).getInitialModelGraph().getUpdater()
                .getStateViewArray());
    }

    @Test
    void underLocalStateAFreshShardStartsFromZeroMomentsAndKeepsItsOwnAfterwards() {
        ComputationGraph driver = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        driver.getConfiguration().setIterationCount(370);
        Broadcast<NetBroadcastTuple> broadcast = sc.broadcast(new NetBroadcastTuple(driver.getConfiguration(),
                driver.params(), null));
        String token = "local-test-" + System.nanoTime();
        java.util.function.Supplier<BnAwareWorker> worker = () -> new BnAwareWorker(broadcast, true,
                new WorkerConfiguration(true, 1, 8, 0, 0, false), new BnStatsRecorder(),
                new io.mkcnn.config.NativeSettings(1, io.mkcnn.kernels.Precision.AUTO),
                RoundPlan.local(token, WorkerNetworks.configKey(driver.getConfiguration()), io.mkcnn.config.Transfer.FP32, false));

        BnAwareWorker first = worker.get();
        ComputationGraph net = first.getInitialModelGraph();
        assertEquals(0.0, net.getUpdater().getStateViewArray().amaxNumber().doubleValue(), "zero moments");
        assertEquals("fused", WorkerNetworks.engineOf(net), "the worker trains the fused body");
        org.nd4j.linalg.learning.config.Adam adam = (org.nd4j.linalg.learning.config.Adam) net.getLayer("body")
                .conf().getLayer().getUpdaterByParam("stem_conv_W");
        assertEquals(1e-3 * AdamRestart.factor(1, 371, adam.getBeta1(), adam.getBeta2()),
                adam.getLearningRate(370, 0), 1e-12, "bias correction restarted at iteration 370");
        org.nd4j.linalg.learning.config.Adam driverAdam = (org.nd4j.linalg.learning.config.Adam) driver
                .getLayer("stem_conv").conf().getLayer().getUpdaterByParam("W");
        assertEquals(1e-3, driverAdam.getLearningRate(370, 0), 0, "the driver's network is not touched");
        net.getUpdater().getStateViewArray().assign(0.5);
        assertEquals(null, first.getFinalResult(net).getUpdaterState(), "local state never travels");
        assertEquals(1e-3, adam.getLearningRate(370, 0), 0, "the network goes back to the pool as it came");
        assertEquals(370, ShardState.zeroedAt(token, 0));

        ComputationGraph again = worker.get().getInitialModelGraph();
        assertEquals(0.5, again.getUpdater().getStateViewArray().meanNumber().doubleValue(), 1e-7);
    }
}
