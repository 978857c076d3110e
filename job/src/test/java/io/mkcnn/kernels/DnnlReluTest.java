package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's ReLU against its definition, element by element, zeros included. */
class DnnlReluTest {

    @Test
    void forwardAndBackwardFollowTheDefinition() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 6);
        x.putScalar(7, 0.0);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 6);
        INDArray y = Nd4j.create(DataType.FLOAT, 3, 4, 5, 6);
        INDArray dx = Nd4j.create(DataType.FLOAT, 3, 4, 5, 6);
        try (DnnlRelu relu = new DnnlRelu()) {
            relu.forward(x, y);
            relu.backward(x, dy, dx);
        }
        double[] xs = x.data().asDouble();
        double[] dys = dy.data().asDouble();
        double[] expectY = new double[xs.length];
        double[] expectDx = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            expectY[i] = Math.max(xs[i], 0);
            expectDx[i] = xs[i] > 0 ? dys[i] : 0;
        }
        assertArrayEquals(expectY, y.data().asDouble(), 0.0);
        assertArrayEquals(expectDx, dx.data().asDouble(), 0.0);
    }

    @Test
    void arraysOfDifferentLengthsAreRefused() {
        try (DnnlRelu relu = new DnnlRelu()) {
            assertThrows(IllegalArgumentException.class,
                    () -> relu.forward(Nd4j.create(DataType.FLOAT, 4), Nd4j.create(DataType.FLOAT, 5)));
        }
    }
}
