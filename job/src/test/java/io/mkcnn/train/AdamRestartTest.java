package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.Augmenter;
import io.mkcnn.input.Batches;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.testutil.Records;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

class AdamRestartTest {

    @Test
    void theFactorIsOneForMomentsAsOldAsTheRunAndCorrectsZeroedOnesLater() {
        for (long t : new long[] {1, 7, 500, 100_000}) {
            assertEquals(1.0, AdamRestart.factor(t, t, 0.9, 0.999), 1e-12);
        }
        // one step after zeroing, late in a run: sqrt(1 - 0.999) / (1 - 0.9) of DL4J's (almost uncorrected) step
        assertEquals(Math.sqrt(0.001) / 0.1, AdamRestart.factor(1, 100_000, 0.9, 0.999), 1e-6);
    }

    /**
     * Moments zeroed at iteration 500 with the restart attached take the steps a network whose moments started with
     * the run takes from iteration 0 (a fixed learning rate, so only the bias correction differs); without it they
     * do not. (Compared loosely: Adam moves every weight by about the learning rate whatever its gradient's size, so
     * the last bit of rounding in near-zero gradients shows at that size.)
     */
    @Test
    void aShardZeroedMidRunStepsAsAFreshAdam() {
        NativeRuntime.configure(1);
        NativeRuntime.configurePrecision(io.mkcnn.kernels.Precision.FP32);
        try {
            zeroedMidRun();
        } finally {
            NativeRuntime.configurePrecision(io.mkcnn.kernels.Precision.AUTO);
            NativeRuntime.configure(0);
        }
    }

    private void zeroedMidRun() {
        List<DataSet> batches = new ArrayList<>();
        var records = Records.synthetic(48, 5);
        for (int i = 0; i < 3; i++) {
            batches.add(Batches.toDataSet(records.subList(16 * i, 16 * i + 16), r -> Augmenter.eval(r.pixels())));
        }
        ComputationGraph fresh = net(0);
        ComputationGraph restarted = net(500);
        ComputationGraph uncorrected = net(500);
        INDArray start = fresh.params().dup();

        AdamRestart restart = AdamRestart.attach(restarted, 500);
        for (DataSet b : batches) {
            fresh.fit(b);
            restart.beforeStep(restarted.getConfiguration().getIterationCount());
            restarted.fit(b);
            uncorrected.fit(b);
        }
        restart.detach();

        double moved = fresh.params().sub(start).norm2Number().doubleValue();
        double off = fresh.params().sub(restarted.params()).norm2Number().doubleValue();
        double offUncorrected = fresh.params().sub(uncorrected.params()).norm2Number().doubleValue();
        assertTrue(off < 1e-2 * moved, "restarted differs by " + off + " of " + moved);
        assertTrue(offUncorrected > 0.5 * moved, "uncorrected differs by " + offUncorrected + " of " + moved);
        Adam adam = (Adam) restarted.getLayer("branch3_conv").conf().getLayer().getUpdaterByParam("W");
        assertNull(adam.getLearningRateSchedule(), "the fixed rate is back");
        assertEquals(1e-3, adam.getLearningRate(), 0);
    }

    private static ComputationGraph net(int iteration) {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        net.getConfiguration().setIterationCount(iteration);
        return net;
    }
}
