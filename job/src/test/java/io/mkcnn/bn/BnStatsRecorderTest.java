package io.mkcnn.bn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.mkcnn.model.FusedNet;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.Precision;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The statistics recovered from DL4J's moving-average update equal those of the BN inputs themselves. */
class BnStatsRecorderTest {

    private static MultiDataSet batch(int n, long seed, DataType type) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(type, n, 3, 24, 24).muli(1.5).addi(0.3);
        INDArray y = Nd4j.zeros(type, n, 10);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 10, 1.0);
        }
        return new MultiDataSet(x, y);
    }

    /** Trains on the batches with the recorder, and separately computes the BN input moments directly. */
    private static void check(DataType type, Precision precision, double tolerance) {
        NativeRuntime.configure(0);
        NativeRuntime.configurePrecision(precision);
        ComputationGraph net;
        try {
            net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults().withDataType(type));
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
        BnStatsRecorder recorder = new BnStatsRecorder();
        BnMoments direct = new BnMoments();
        for (MultiDataSet b : List.of(batch(16, 1, type), batch(9, 2, type), batch(16, 3, type))) {
            BnRecompute.accumulate(net, b.getFeatures(0), direct);
            recorder.preUpdate(b, net);
            net.fit(b);
            recorder.postUpdate(b, net);
        }
        assertEquals(41, recorder.examples());
        assertEquals(3, recorder.batches());
        Map<String, ChannelMoments> got = recorder.moments().layers();
        assertEquals(BnLayers.names(net), List.copyOf(got.keySet()).stream().sorted(
                (a, b) -> BnLayers.names(net).indexOf(a) - BnLayers.names(net).indexOf(b)).toList());
        for (Map.Entry<String, ChannelMoments> e : direct.layers().entrySet()) {
            ChannelMoments r = got.get(e.getKey());
            assertEquals(e.getValue().count(), r.count(), 1e-9, e.getKey());
            assertClose(e.getValue().mean(), r.mean(), tolerance, e.getKey() + " mean");
            assertClose(e.getValue().variance(), r.variance(), tolerance, e.getKey() + " variance");
        }
    }

    private static void assertClose(double[] expected, double[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1.0, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], rel * scale, what + "[" + i + "]");
        }
    }

    @Test
    void recoveredStatisticsMatchDirectOnesInDoublePrecision() {
        check(DataType.DOUBLE, Precision.FP32, 1e-5);
    }

    @Test
    void recoveredStatisticsMatchDirectOnesWithOneDnnInFloat() {
        check(DataType.FLOAT, Precision.FP32, 2e-3);
    }

    /** bf16 convolutions feed the batch norms; the recorder must still recover exactly what they normalised. */
    @Test
    void recoveredStatisticsMatchDirectOnesWithBf16Convolutions() {
        assumeTrue(Dnnl.isa().hasBf16(), "this CPU has no bf16 instructions: " + Dnnl.isa());
        check(DataType.FLOAT, Precision.BF16, 2e-3);
    }

    /** A fused body's BN units report what the layer graph's BN layers report, under the same names. */
    @Test
    void aFusedBodyReportsTheLayerGraphsStatistics() {
        NativeRuntime.configurePrecision(Precision.FP32);
        try {
            ComputationGraph layers = MultiKernelNet.create(NetworkSpec.cifar(true), ModelOptions.defaults());
            ComputationGraph fused = FusedNet.of(layers);
            assertNotNull(FusedNet.body(fused), "the fused body runs");
            BnStatsRecorder a = new BnStatsRecorder();
            BnStatsRecorder b = new BnStatsRecorder();
            for (MultiDataSet d : List.of(batch(16, 1, DataType.FLOAT), batch(9, 2, DataType.FLOAT))) {
                a.preUpdate(d, layers);
                layers.fit(d);
                a.postUpdate(d, layers);
                b.preUpdate(d, fused);
                fused.fit(d);
                b.postUpdate(d, fused);
            }
            assertEquals(BnLayers.names(layers), BnLayers.names(fused));
            assertEquals(a.moments().layers().keySet(), b.moments().layers().keySet());
            for (Map.Entry<String, ChannelMoments> e : a.moments().layers().entrySet()) {
                ChannelMoments f = b.moments().layers().get(e.getKey());
                assertEquals(e.getValue().count(), f.count(), 1e-9, e.getKey());
                assertClose(e.getValue().mean(), f.mean(), 1e-6, e.getKey() + " mean");
                assertClose(e.getValue().variance(), f.variance(), 1e-6, e.getKey() + " variance");
            }
            BnLayers.set(fused, "branch5_bn", new double[64], filled(64, 4.0), 1e-6);
            assertClose(filled(64, 4.0), BnLayers.variance(fused, "branch5_bn"), 1e-6, "written variance");
        } finally {
            NativeRuntime.configurePrecision(Precision.AUTO);
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void reconciledStatisticsLandInTheParameters() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), ModelOptions.defaults());
        BnMoments m = new BnMoments();
        double[] mean = new double[64];
        double[] var = new double[64];
        for (int c = 0; c < 64; c++) {
            mean[c] = c * 0.1 - 2;
            var[c] = 0.5 + c;
        }
        m.layer("stem_bn", 64).addGroup(1000, mean, var);
        double[] before = BnLayers.variance(net, "branch3_bn");
        Map<String, Double> shift = BnReconciler.apply(net, m);
        assertArrayEquals(mean, BnLayers.mean(net, "stem_bn"), 1e-5);
        assertArrayEquals(var, BnLayers.variance(net, "stem_bn"), 1e-4 * 64);
        assertArrayEquals(before, BnLayers.variance(net, "branch3_bn"), 0.0, "layers without data are untouched");
        assertEquals(List.of("stem_bn"), List.copyOf(shift.keySet()));
        assertFalse(shift.get("stem_bn") == 0.0);
    }
}
