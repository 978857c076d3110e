package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mkcnn.config.JobConfig;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

/** Learning-rate scaling with the number of workers, and the warm-up into it. */
class WarmupScheduleTest {
    @Test
    void risesLinearlyThenHoldsOrDecaysAlongACosine() {
        WarmupSchedule held = new WarmupSchedule(1e-3, 4e-3, 100, 0);
        assertEquals(1e-3, held.valueAt(0, 0), 1e-15);
        assertEquals(2.5e-3, held.valueAt(50, 0), 1e-15);
        assertEquals(4e-3, held.valueAt(100, 0), 1e-15);
        assertEquals(4e-3, held.valueAt(10_000, 3), 1e-15);
        WarmupSchedule cosine = new WarmupSchedule(1e-3, 4e-3, 100, 300);
        assertEquals(4e-3, cosine.valueAt(100, 0), 1e-15);
        assertEquals(2e-3, cosine.valueAt(200, 0), 1e-15, "half way down the cosine over the 200 after warm-up");
        assertEquals(0.0, cosine.valueAt(300, 0), 1e-15);
    }

    @Test
    void theScaledRateReachesTheNetworksUpdater() {
        JobConfig sqrt = JobConfig.from(Map.of(), "test", Map.of("train.workers", "4", "model.lr", "0.001",
                "train.lr.scaling", "sqrt", "train.lr.warmup.epochs", "1", "train.epochs", "4"));
        assertEquals(0.002, sqrt.peakLearningRate(), 1e-15);
        JobConfig linear = JobConfig.from(Map.of(), "test", Map.of("train.workers", "4", "model.lr", "0.001",
                "train.lr.scaling", "linear"));
        assertEquals(0.004, linear.peakLearningRate(), 1e-15);
        assertEquals(0.001, JobConfig.from(Map.of(), "test", Map.of("train.workers", "4")).peakLearningRate());

        // 400 iterations in all over 4 epochs: the warm-up is the first 100
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), sqrt.modelOptions(400));
        assertEquals(0.001, lrAt(net, 0), 1e-12);
        assertEquals(0.0015, lrAt(net, 50), 1e-12);
        assertEquals(0.002, lrAt(net, 100), 1e-12);
        assertEquals(0.002, lrAt(net, 399), 1e-12);

        // checkpoints and model.zip carry the schedule
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            org.deeplearning4j.util.ModelSerializer.writeModel(net, bytes, true);
            ComputationGraph back = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()), true);
            assertEquals(0.0015, lrAt(back, 50), 1e-12);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double lrAt(ComputationGraph net, int iteration) {
        net.getConfiguration().setIterationCount(iteration);
        return io.mkcnn.train.OuterOptimizerAccess.innerLearningRate(net);
    }
}
