package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The kernels the fused body uses to keep activations in bf16 between convolutions, and to sum the fan-out:
 * {@link DnnlSum} against ND4J's additions, {@link DnnlCast} against rounding to nearest even done by hand, the
 * split into bf16 parts against the split into float32 ones then cast, and a convolution on bf16 activation arrays
 * against the same convolution converting float32 arrays itself (the same values, bit for bit).
 */
class Bf16ActivationsTest {

    /** Rounds float32 to bf16 (nearest even) and back, by hand: the reference for the casts. */
    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    @Test
    void sumAddsEveryPartInPlace() {
        Nd4j.getRandom().setSeed(3);
        INDArray[] parts = {Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5), Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5),
                Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5), Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5)};
        INDArray expected = parts[0].add(parts[1]).addi(parts[2]).addi(parts[3]);
        try (DnnlSum k = new DnnlSum()) {
            k.sum(parts, parts[0]);
            assertArrayEquals(expected.ravel().toFloatVector(), parts[0].ravel().toFloatVector(), 1e-6f);
            assertThrows(IllegalArgumentException.class, () -> k.sum(new INDArray[] {parts[1],
                    Nd4j.zeros(DataType.FLOAT, 7)}, parts[2]));
        }
    }

    @Test
    void castRoundsToNearestEvenAndBack() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.FLOAT, 1000).muli(37);
        INDArray half = Nd4j.createUninitialized(DataType.BFLOAT16, 1000);
        INDArray back = Nd4j.createUninitialized(DataType.FLOAT, 1000);
        try (DnnlCast k = new DnnlCast()) {
            k.cast(x, half);
            k.cast(half, back);
        }
        float[] v = x.ravel().toFloatVector();
        float[] got = back.ravel().toFloatVector();
        int changed = 0;
        for (int i = 0; i < v.length; i++) {
            assertEquals(bf16(v[i]), got[i], 0f, "element " + i);
            changed += got[i] != v[i] ? 1 : 0;
        }
        assertTrue(changed > 900, "bf16 keeps 8 bits of mantissa: " + changed);
    }

    @Test
    void aSplitIntoBf16PartsIsTheFloatSplitRounded() {
        Nd4j.getRandom().setSeed(5);
        INDArray whole = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 24);
        INDArray[] parts = {Nd4j.createUninitialized(DataType.BFLOAT16, 3, 4, 5, 8),
                Nd4j.createUninitialized(DataType.BFLOAT16, 3, 4, 5, 16)};
        try (DnnlConcat k = new DnnlConcat()) {
            k.split(whole, parts);
        }
        long at = 0;
        for (INDArray p : parts) {
            float[] expected = whole.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(at, at + p.size(3))).dup('c').ravel().toFloatVector();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = bf16(expected[i]);
            }
            assertArrayEquals(expected, p.castTo(DataType.FLOAT).ravel().toFloatVector(), 0f);
            at += p.size(3);
        }
    }

    /** Every pass with bf16 input, output and gradients equals the pass that converts float32 arrays itself. */
    @Test
    void aConvolutionOnBf16ActivationsComputesWhatItComputesOnFloatOnes() {
        assumeTrue(Dnnl.isa().hasBf16(), "this CPU has no bf16 instructions: " + Dnnl.isa());
        Nd4j.getRandom().setSeed(6);
        ConvGeometry g = ConvGeometry.same(16, 32, 5, 1);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 6, 6, 16);
        INDArray w = Nd4j.randn(DataType.FLOAT, 32, 16, 5, 1).muli(0.1);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 4, 6, 6, 32);
        ConvActivations halves = new ConvActivations(DataType.BFLOAT16, DataType.BFLOAT16,
                DataType.BFLOAT16, DataType.BFLOAT16);
        try (DnnlConvolution f = new DnnlConvolution(g, false, Precision.BF16, true);
             DnnlConvolution h = new DnnlConvolution(g, false, Precision.BF16, true, halves);
             DnnlCast cast = new DnnlCast()) {
            INDArray y = Nd4j.create(DataType.FLOAT, 4, 6, 6, 32);
            INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
            INDArray dw = Nd4j.create(DataType.FLOAT, w.shape());
            f.forward(x, w, null, y);
            f.backward(x, w, dy, dx, dw, null);

            INDArray xh = Nd4j.create(DataType.BFLOAT16, x.shape());
            INDArray dyh = Nd4j.create(DataType.BFLOAT16, dy.shape());
            cast.cast(x, xh);
            cast.cast(dy, dyh);
            INDArray yh = Nd4j.create(DataType.BFLOAT16, y.shape());
            INDArray dxh = Nd4j.create(DataType.BFLOAT16, x.shape());
            INDArray dwh = Nd4j.create(DataType.FLOAT, w.shape());
            h.forward(xh, w, null, yh);
            h.backward(xh, w, dyh, dxh, dwh, null);
            assertArrayEquals(round(y), yh.castTo(DataType.FLOAT).ravel().toFloatVector(), 0f, "output");
            assertArrayEquals(round(dx), dxh.castTo(DataType.FLOAT).ravel().toFloatVector(), 0f, "input gradient");
            assertArrayEquals(dw.ravel().toFloatVector(), dwh.ravel().toFloatVector(), 0f, "weights' gradient");
            assertThrows(IllegalArgumentException.class, () -> h.forward(x, w, null, yh), "a float32 input");
        }
    }

    private static float[] round(INDArray a) {
        float[] v = a.ravel().toFloatVector();
        for (int i = 0; i < v.length; i++) {
            v[i] = bf16(v[i]);
        }
        return v;
    }
}
