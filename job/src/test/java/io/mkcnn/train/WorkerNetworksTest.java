package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.model.Engine;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** A network kept from an earlier round trains exactly as one built afresh from the round's broadcast. */
class WorkerNetworksTest {

    private static MultiDataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, (i + seed) % 10, 1);
        }
        return new MultiDataSet(Nd4j.randn(DataType.FLOAT, 16, 3, 24, 24), y);
    }

    @Test
    void aPooledNetworkTrainsLikeAFreshOne() {
        pooledTrainsLikeFresh(Engine.LAYERS);
    }

    /** The fused form trains the broadcast parameters as the layer graph does. */
    @Test
    void aPooledFusedNetworkTrainsLikeAFreshLayerGraph() {
        pooledTrainsLikeFresh(Engine.FUSED);
    }

    private static void pooledTrainsLikeFresh(Engine engine) {
        NativeRuntime.configure(1);
        ComputationGraphConfiguration conf = MultiKernelNet.configuration(NetworkSpec.cifar(true),
                ModelOptions.defaults());
        ComputationGraph donor = MultiKernelNet.create(NetworkSpec.cifar(true), ModelOptions.defaults());
        // round 1: no updater state yet
        ComputationGraph first = WorkerNetworks.take(new NetBroadcastTuple(conf, donor.params().dup(), null),
                WorkerNetworks.configKey(conf), engine);
        assertEquals(engine.name().toLowerCase(java.util.Locale.ROOT), WorkerNetworks.engineOf(first));
        first.fit(batch(1));
        WorkerNetworks.giveBack(first);
        // round 2: other parameters and a non-zero updater state
        donor.fit(batch(2));
        INDArray params = donor.params().dup();
        INDArray state = donor.getUpdater().getStateViewArray().dup();
        ComputationGraph pooled = WorkerNetworks.take(new NetBroadcastTuple(conf, params, state),
                WorkerNetworks.configKey(conf), engine);
        assertSame(first, pooled, "the idle network was reused");
        ComputationGraph fresh = new ComputationGraph(conf.clone());
        fresh.init(params.dup(), true);
        fresh.getUpdater().getStateViewArray().assign(state);
        io.mkcnn.model.DnnlHelpers.attach(fresh);
        assertTrue(pooled.params().equalsWithEps(params, 0), "broadcast parameters loaded");
        pooled.fit(batch(3));
        fresh.fit(batch(3));
        assertTrue(pooled.params().sub(params).norm2Number().doubleValue() > 1e-3, "training moved the weights");
        assertTrue(pooled.params().equalsWithEps(fresh.params(), 1e-6), "max difference "
                + pooled.params().sub(fresh.params()).amaxNumber());
        assertTrue(pooled.getUpdater().getStateViewArray().equalsWithEps(fresh.getUpdater().getStateViewArray(),
                1e-6), "updater states differ");
        NativeRuntime.configure(0);
    }
}
