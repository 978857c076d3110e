package io.mkcnn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

class CosineScheduleTest {

    @Test
    void decaysFromTheInitialRateToZeroAlongHalfACosine() {
        CosineSchedule s = new CosineSchedule(0.01, 100);
        assertEquals(0.01, s.valueAt(0, 0), 1e-15);
        assertEquals(0.005, s.valueAt(50, 3), 1e-15, "half way: half the rate, whatever the epoch");
        assertEquals(0.01 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.valueAt(25, 0), 1e-15);
        assertEquals(0.0, s.valueAt(100, 0), 0.0);
        assertEquals(0.0, s.valueAt(1000, 0), 0.0, "zero after its steps");
        for (int i = 1; i < 100; i++) {
            assertEquals(true, s.valueAt(i, 0) < s.valueAt(i - 1, 0), "strictly decreasing at " + i);
        }
    }

    /** Schedules travel inside the network's configuration JSON, to executors and into saved models. */
    @Test
    void survivesTheNetworksJsonAndCloning() {
        ModelOptions o = new ModelOptions(Head.LINEAR, 3e-3, 4200, 0.0, 0.9, 1e-3, 42, DataType.FLOAT,
                CNN2DFormat.NHWC);
        ComputationGraphConfiguration conf = MultiKernelNet.configuration(NetworkSpec.cifar(false), o);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        ISchedule s = schedule(conf);
        ISchedule read = schedule(back);
        assertInstanceOf(CosineSchedule.class, read);
        assertEquals(3e-3, ((CosineSchedule) read).getInitial(), 0.0);
        assertEquals(4200, ((CosineSchedule) read).getSteps());
        ISchedule copy = s.clone();
        for (int i : new int[] {0, 1, 2100, 4199, 4200}) {
            assertEquals(s.valueAt(i, 0), read.valueAt(i, 0), 0.0);
            assertEquals(s.valueAt(i, 0), copy.valueAt(i, 0), 0.0);
        }
    }

    private static ISchedule schedule(ComputationGraphConfiguration conf) {
        var layer = ((LayerVertex) conf.getVertices().get("stem_conv")).getLayerConf().getLayer();
        return ((Adam) layer.getUpdaterByParam("W")).getLearningRateSchedule();
    }
}
