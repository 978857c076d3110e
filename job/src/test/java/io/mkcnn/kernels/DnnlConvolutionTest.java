package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The oneDNN convolution kernels against a direct loop implementation of the three passes on small arrays: float32
 * to float32 rounding, bf16 to bf16 rounding of the inputs (about 1e-2 relative; run where the CPU has bf16).
 */
class DnnlConvolutionTest {
    private static final int N = 2;
    private static final int C = 3;
    private static final int O = 4;
    private static final int H = 5;
    private static final int W = 6;

    @ParameterizedTest
    @CsvSource({"3,3,false,false", "1,1,false,false", "5,5,true,false", "3,1,false,false", "1,3,true,false",
            "3,3,false,true", "1,1,false,true", "5,5,true,true", "1,3,false,true"})
    void fp32PassesEqualTheLoops(int kh, int kw, boolean bias, boolean channelsLast) {
        check(kh, kw, bias, Precision.FP32, channelsLast, 1e-5);
    }

    @ParameterizedTest
    @CsvSource({"3,3,false,false", "1,1,false,false", "5,5,true,false", "3,1,false,false", "1,3,true,false",
            "3,3,false,true", "1,1,false,true", "5,5,true,true", "1,3,false,true"})
    void bf16PassesEqualTheLoopsToBf16Precision(int kh, int kw, boolean bias, boolean channelsLast) {
        assumeTrue(Dnnl.isa().hasBf16(), "this CPU has no bf16 instructions: " + Dnnl.isa());
        check(kh, kw, bias, Precision.BF16, channelsLast, 1.5e-2);
    }

    @Test
    void autoIsRefusedAsAKernelPrecision() {
        assertThrows(IllegalArgumentException.class,
                () -> new DnnlConvolution(ConvGeometry.same(C, O, 3, 3), false, Precision.AUTO, false));
    }

    @Test
    void stridedViewsAreRefused() {
        try (DnnlConvolution k = new DnnlConvolution(ConvGeometry.same(C, O, 3, 3), false, Precision.FP32, false)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, N, C, H, W * 2).get(
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, W));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.forward(x,
                    Nd4j.rand(DataType.FLOAT, O, C, 3, 3), null, Nd4j.create(DataType.FLOAT, N, O, H, W)));
            assertTrue(e.getMessage().startsWith("src must be a contiguous float32 c-order array"), e.getMessage());
        }
    }

    /**
     * The weights' gradient reuses the input's conversion from the forward of the same array and the output
     * gradient's from the backward-data pass: bit for bit what converting them again gives, and a forward of
     * another input in between is not mistaken for the input's.
     */
    @ParameterizedTest
    @CsvSource({"FP32,false", "FP32,true", "BF16,false", "BF16,true"})
    void reusedConversionsGiveTheSameGradients(Precision precision, boolean channelsLast) {
        assumeTrue(precision == Precision.FP32 || Dnnl.isa().hasBf16(), "no bf16 instructions: " + Dnnl.isa());
        Nd4j.getRandom().setSeed(23);
        ConvGeometry g = ConvGeometry.same(C, O, 3, 3);
        INDArray x = layout(Nd4j.randn(DataType.FLOAT, N, C, H, W), channelsLast);
        INDArray other = layout(Nd4j.randn(DataType.FLOAT, N, C, H, W), channelsLast);
        INDArray w = Nd4j.randn(DataType.FLOAT, O, C, 3, 3);
        INDArray dy = layout(Nd4j.randn(DataType.FLOAT, N, O, H, W), channelsLast);
        INDArray[] dx = new INDArray[3];
        INDArray[] dw = new INDArray[3];
        DnnlConvolution.weightsAsForward = false; // the backward-weights pass, which reuses the conversions
        for (int variant = 0; variant < 3; variant++) {
            dx[variant] = x.like();
            dw[variant] = w.like();
            try (DnnlConvolution k = new DnnlConvolution(g, false, precision, channelsLast)) {
                INDArray y = dy.like();
                if (variant == 0) {
                    k.forward(x, w, null, y); // the backward reuses this forward's conversion of x
                } else if (variant == 2) {
                    k.forward(x, w, null, y);
                    k.forward(other, w, null, y); // the last forward read another input
                }
                k.backward(x, w, dy, dx[variant], dw[variant], null);
            }
        }
        DnnlConvolution.weightsAsForward = null;
        for (int variant = 1; variant < 3; variant++) {
            assertArrayEquals(dw[0].data().asFloat(), dw[variant].data().asFloat(), 0f, "weights, " + variant);
            assertArrayEquals(dx[0].data().asFloat(), dx[variant].data().asFloat(), 0f, "data, " + variant);
        }
    }

    /** NCHW array as the kernels see it: itself, or its NHWC copy. */
    private static INDArray layout(INDArray nchw, boolean channelsLast) {
        return channelsLast ? nchw.permute(0, 2, 3, 1).dup('c') : nchw;
    }

    /** Back to NCHW for comparison with the loops. */
    private static INDArray nchw(INDArray a, boolean channelsLast) {
        return channelsLast ? a.permute(0, 3, 1, 2).dup('c') : a;
    }

    @Test
    void arraysOfTheWrongSizeAreRefusedBeforeTheKernelRuns() {
        try (DnnlConvolution k = new DnnlConvolution(ConvGeometry.same(C, O, 3, 3), false, Precision.FP32, false)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, N, C, H, W);
            INDArray w = Nd4j.rand(DataType.FLOAT, O, C, 3, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> k.forward(x, w, null, Nd4j.create(DataType.FLOAT, N, O, H - 1, W)));
            assertTrue(e.getMessage().startsWith("dst must have " + (N * O * H * W) + " elements"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> k.forward(x, Nd4j.rand(DataType.FLOAT, O, C, 1, 1),
                    null, Nd4j.create(DataType.FLOAT, N, O, H, W)));
        }
    }

    private static void check(int kh, int kw, boolean bias, Precision precision, boolean channelsLast,
                              double tolerance) {
        Nd4j.getRandom().setSeed(kh * 10 + kw);
        ConvGeometry g = ConvGeometry.same(C, O, kh, kw);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray w = Nd4j.randn(DataType.FLOAT, O, C, kh, kw);
        INDArray b = Nd4j.randn(DataType.FLOAT, 1, O);
        INDArray dy = Nd4j.randn(DataType.FLOAT, N, O, H, W);
        INDArray y = layout(Nd4j.create(DataType.FLOAT, N, O, H, W), channelsLast);
        INDArray dx = layout(Nd4j.create(DataType.FLOAT, N, C, H, W), channelsLast);
        INDArray dw = Nd4j.create(DataType.FLOAT, O, C, kh, kw);
        INDArray db = Nd4j.create(DataType.FLOAT, 1, O);
        try (DnnlConvolution k = new DnnlConvolution(g, bias, precision, channelsLast)) {
            k.forward(layout(x, channelsLast), w, b, y);
            k.backward(layout(x, channelsLast), w, layout(dy, channelsLast), dx, dw, db);
        }
        Loops ref = new Loops(g, x, w, bias ? b : null, dy);
        assertClose(ref.y, nchw(y, channelsLast), tolerance, "forward");
        assertClose(ref.dx, nchw(dx, channelsLast), tolerance, "backward data");
        assertClose(ref.dw, dw, tolerance, "backward weights");
        if (bias) {
            assertClose(ref.db, db, tolerance, "bias gradient");
        }
    }

    /** Largest error relative to the reference's largest magnitude. */
    private static void assertClose(double[] expected, INDArray actual, double tolerance, String what) {
        double[] a = actual.data().asDouble();
        assertEquals(expected.length, a.length, what);
        double scale = 0;
        double err = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs(expected[i] - a[i]));
        }
        assertTrue(scale > 0, what + ": reference is all zeros");
        assertTrue(err / scale <= tolerance, what + ": relative error " + err / scale + " > " + tolerance);
    }

    /** The three passes as loops, in double precision. */
    private static final class Loops {
        final double[] y;
        final double[] dx;
        final double[] dw;
        final double[] db = new double[O];

        Loops(ConvGeometry g, INDArray xa, INDArray wa, INDArray ba, INDArray dya) {
            int kh = (int) g.kernelH();
            int kw = (int) g.kernelW();
            double[] x = xa.data().asDouble();
            double[] w = wa.data().asDouble();
            double[] dy = dya.data().asDouble();
            y = new double[N * O * H * W];
            dx = new double[x.length];
            dw = new double[w.length];
            for (int n = 0; n < N; n++) {
                for (int o = 0; o < O; o++) {
                    for (int i = 0; i < H; i++) {
                        for (int j = 0; j < W; j++) {
                            int yi = ((n * O + o) * H + i) * W + j;
                            double acc = ba == null ? 0 : ba.getDouble(0, o);
                            db[o] += dy[yi];
                            for (int c = 0; c < C; c++) {
                                for (int a = 0; a < kh; a++) {
                                    for (int bb = 0; bb < kw; bb++) {
                                        int si = i + a - (int) g.padTop();
                                        int sj = j + bb - (int) g.padLeft();
                                        if (si < 0 || si >= H || sj < 0 || sj >= W) {
                                            continue;
                                        }
                                        int xi = ((n * C + c) * H + si) * W + sj;
                                        int wi = ((o * C + c) * kh + a) * kw + bb;
                                        acc += x[xi] * w[wi];
                                        dx[xi] += dy[yi] * w[wi];
                                        dw[wi] += dy[yi] * x[xi];
                                    }
                                }
                            }
                            y[yi] = acc;
                        }
                    }
                }
            }
        }
    }
}
