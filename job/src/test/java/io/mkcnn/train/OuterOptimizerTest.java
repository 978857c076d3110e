package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mkcnn.config.OuterStep;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The outer steps against updates computed by hand on small arrays. */
class OuterOptimizerTest {
    private static INDArray v(double... x) {
        return Nd4j.createFromArray(x);
    }

    private static void near(double[] expected, INDArray got) {
        assertArrayEquals(expected, got.toDoubleVector(), 1e-12);
    }

    @Test
    void slowMoMomentumOverTwoRounds() {
        // alpha 0.5, beta 0.6; third entry masked (a BN moving statistic): always the average, no momentum
        OuterOptimizer o = new OuterOptimizer(OuterStep.MOMENTUM, 0.5, 0.6);
        INDArray mask = v(1, 1, 0);
        // round 1, g = 0.1: d = x0 - avg = (0.2, -0.4, 0.3); u = d/g = (2, -4, 0); x = x0 - 0.5*0.1*u = (0.9, 2.2, 3.3-0.3)
        INDArray x1 = o.step(v(1, 2, 3.3), v(0.8, 2.4, 3.0), mask, 0.1);
        near(new double[] {0.9, 2.2, 3.0}, x1);
        near(new double[] {2, -4, 0}, o.buffer());
        // round 2, g = 0.05: d = (0.9-0.7, 2.2-2.3, .) = (0.2, -0.1); u = 0.6*(2,-4) + d/0.05 = (1.2+4, -2.4-2) = (5.2, -4.4)
        // x = x0 - 0.5*0.05*u = (0.9-0.13, 2.2+0.11)
        INDArray x2 = o.step(x1, v(0.7, 2.3, 3.1), mask, 0.05);
        near(new double[] {0.77, 2.31, 3.1}, x2);
        near(new double[] {5.2, -4.4, 0}, o.buffer());
    }

    @Test
    void diLoCoNesterovOverTwoRounds() {
        OuterOptimizer o = new OuterOptimizer(OuterStep.NESTEROV, 0.7, 0.9);
        INDArray mask = v(1, 1);
        // round 1: d = (0.2, -0.4); v = d; x = x0 - 0.7*(d + 0.9*v) = x0 - 1.33*d = (1-0.266, 2+0.532)
        INDArray x1 = o.step(v(1, 2), v(0.8, 2.4), mask, 123);
        near(new double[] {0.734, 2.532}, x1);
        // round 2: d = (0.734-0.634, 2.532-2.632) = (0.1, -0.1); v = 0.9*(0.2,-0.4) + d = (0.28, -0.46)
        // x = x0 - 0.7*(d + 0.9*v) = (0.734 - 0.7*(0.1+0.252), 2.532 - 0.7*(-0.1-0.414))
        INDArray x2 = o.step(x1, v(0.634, 2.632), mask, 123);
        near(new double[] {0.734 - 0.7 * 0.352, 2.532 + 0.7 * 0.514}, x2);
        near(new double[] {0.28, -0.46}, o.buffer());
    }

    @Test
    void alphaOneWithoutMomentumIsPlainAveragingExactly() {
        Random r = new Random(5);
        INDArray x0 = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1000);
        INDArray avg = x0.add(Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1000).muli(0.01));
        INDArray mask = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1000);
        for (OuterStep kind : OuterStep.values()) {
            OuterOptimizer o = new OuterOptimizer(kind, 1.0, 0.0);
            for (int round = 0; round < 3; round++) {
                INDArray x = o.step(x0, avg, mask, 1e-3 * (1 + r.nextDouble()));
                assertArrayEquals(avg.toFloatVector(), x.toFloatVector(), 0f, kind + ": bit for bit the average");
            }
        }
        OuterOptimizer average = new OuterOptimizer(OuterStep.AVERAGE, 0.3, 0.9);
        assertSame(avg, average.step(x0, avg, mask, 1e-3), "average ignores its lr and momentum");
        assertNull(average.buffer());
    }

    @Test
    void theBufferSurvivesSaveAndLoad() throws Exception {
        OuterOptimizer a = new OuterOptimizer(OuterStep.MOMENTUM, 1.0, 0.5);
        INDArray mask = v(1, 1, 1);
        INDArray x = a.step(v(1, 2, 3), v(0.9, 2.1, 2.8), mask, 0.01);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.save(bytes);
        OuterOptimizer b = new OuterOptimizer(OuterStep.MOMENTUM, 1.0, 0.5);
        b.load(new ByteArrayInputStream(bytes.toByteArray()), 3);
        near(a.buffer().toDoubleVector(), b.buffer());
        near(a.step(x, v(0.8, 2.0, 2.9), mask, 0.01).toDoubleVector(), b.step(x, v(0.8, 2.0, 2.9), mask, 0.01));

        OuterOptimizer fresh = new OuterOptimizer(OuterStep.NESTEROV, 0.7, 0.9);
        ByteArrayOutputStream none = new ByteArrayOutputStream();
        fresh.save(none);
        OuterOptimizer c = new OuterOptimizer(OuterStep.NESTEROV, 0.7, 0.9);
        c.load(new ByteArrayInputStream(none.toByteArray()), 3);
        assertNull(c.buffer(), "no step yet: no buffer");
    }
}
