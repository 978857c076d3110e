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
                new WorkerConfiguration(true, 1, 8, 0, 0, false), new BnStatsRecorder(), new io.mkcnn.config.NativeSettings(1, io.mkcnn.kernels.Precision.AUTO), false,
                io.mkcnn.config.Transfer.FP32, "test");

        ComputationGraph net = worker.getInitialModelGraph();

        // the learning-rate schedule and Adam's bias correction read these
        assertEquals(370, net.getConfiguration().getIterationCount());
        assertEquals(3, net.getConfiguration().getEpochCount());
        assertEquals(driver.params(), net.params());
        assertEquals(driver.getUpdater().getStateViewArray(), net.getUpdater().getStateViewArray());
    }
}
