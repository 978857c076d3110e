package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Channels-last concatenation and split against ND4J's concat and views, parts of unequal widths. */
class DnnlConcatTest {

    @Test
    void concatAndSplitAreInverses() {
        Nd4j.getRandom().setSeed(29);
        INDArray[] parts = {Nd4j.randn(DataType.FLOAT, 3, 4, 5, 2), Nd4j.randn(DataType.FLOAT, 3, 4, 5, 7),
                Nd4j.randn(DataType.FLOAT, 3, 4, 5, 16)};
        INDArray whole = Nd4j.valueArrayOf(new long[] {3, 4, 5, 25}, Float.NaN, DataType.FLOAT);
        try (DnnlConcat k = new DnnlConcat()) {
            k.concat(parts, whole);
            assertEquals(Nd4j.concat(3, parts), whole);

            INDArray gradient = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 25);
            INDArray[] split = new INDArray[parts.length];
            for (int i = 0; i < parts.length; i++) {
                split[i] = Nd4j.valueArrayOf(parts[i].shape(), Float.NaN, DataType.FLOAT);
            }
            k.split(gradient, split);
            long offset = 0;
            for (INDArray s : split) {
                INDArray expected = gradient.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(offset, offset + s.size(3))).dup('c');
                assertEquals(expected, s);
                offset += s.size(3);
            }
        }
    }

    @Test
    void partsThatDoNotFitAreRefused() {
        try (DnnlConcat k = new DnnlConcat()) {
            INDArray[] parts = {Nd4j.rand(DataType.FLOAT, 2, 3, 3, 4), Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4)};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.concat(parts, Nd4j.create(DataType.FLOAT, 2, 3, 3, 8)));
            assertEquals(true, e.getMessage().startsWith("part 1 is [2, 3, 4, 4]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.concat(new INDArray[] {parts[0], parts[0]},
                    Nd4j.create(DataType.FLOAT, 2, 3, 3, 9)));
        }
    }
}
