package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** oneDNN's max pooling against loops over the windows, in both layouts, with and without padding. */
class DnnlMaxPoolTest {

    @Test
    void forwardAndBackwardFollowTheDefinition() {
        for (boolean nhwc : new boolean[] {false, true}) {
            // the network's 2x2 windows of stride 2, and 3x3 of stride 2 with a padded edge on an odd input
            check(nhwc, 2, 2, 6, 8, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {0, 0});
            check(nhwc, 2, 3, 7, 5, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 0}, new int[] {1, 1});
        }
    }

    private static void check(boolean nhwc, int n, int c, int h, int w, int[] k, int[] s, int[] padTop,
                              int[] padBottom) {
        Nd4j.getRandom().setSeed(11);
        INDArray xNchw = Nd4j.randn(DataType.FLOAT, n, c, h, w);
        try (DnnlMaxPool pool = new DnnlMaxPool(k, s, padTop, padBottom, nhwc)) {
            int oh = (int) pool.outSize(h, 0);
            int ow = (int) pool.outSize(w, 1);
            INDArray dyNchw = Nd4j.randn(DataType.FLOAT, n, c, oh, ow);
            INDArray x = nhwc ? xNchw.permute(0, 2, 3, 1).dup('c') : xNchw;
            INDArray dy = nhwc ? dyNchw.permute(0, 2, 3, 1).dup('c') : dyNchw;
            INDArray y = Nd4j.valueArrayOf(nhwc ? new long[] {n, oh, ow, c} : new long[] {n, c, oh, ow},
                    Float.NaN, DataType.FLOAT);
            INDArray dx = Nd4j.valueArrayOf(x.shape(), Float.NaN, DataType.FLOAT);
            assertFalse(pool.recorded(x));
            pool.forward(x, y, true);
            assertTrue(pool.recorded(x));
            pool.backward(x, dy, dx);

            INDArray expectY = Nd4j.create(DataType.FLOAT, n, c, oh, ow);
            INDArray expectDx = Nd4j.zeros(DataType.FLOAT, n, c, h, w);
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < c; b++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            float best = Float.NEGATIVE_INFINITY;
                            int bi = -1;
                            int bj = -1;
                            for (int u = 0; u < k[0]; u++) {
                                for (int v = 0; v < k[1]; v++) {
                                    int r = i * s[0] - padTop[0] + u;
                                    int q = j * s[1] - padTop[1] + v;
                                    if (r >= 0 && r < h && q >= 0 && q < w && xNchw.getFloat(a, b, r, q) > best) {
                                        best = xNchw.getFloat(a, b, r, q);
                                        bi = r;
                                        bj = q;
                                    }
                                }
                            }
                            expectY.putScalar(new int[] {a, b, i, j}, best);
                            expectDx.putScalar(new int[] {a, b, bi, bj},
                                    expectDx.getFloat(a, b, bi, bj) + dyNchw.getFloat(a, b, i, j));
                        }
                    }
                }
            }
            INDArray gotY = nhwc ? y.permute(0, 3, 1, 2) : y;
            INDArray gotDx = nhwc ? dx.permute(0, 3, 1, 2) : dx;
            String what = (nhwc ? "NHWC " : "NCHW ") + k[0] + "x" + k[1] + "/" + s[0];
            assertArrayEquals(expectY.dup('c').data().asFloat(), gotY.dup('c').data().asFloat(), 0f, what);
            assertArrayEquals(expectDx.dup('c').data().asFloat(), gotDx.dup('c').data().asFloat(), 1e-6f, what);

            // inference leaves the training record alone
            pool.forward(x.dup(), y, false);
            assertTrue(pool.recorded(x));
        }
    }

    @Test
    void aBackwardWithoutItsForwardIsRefused() {
        try (DnnlMaxPool pool = new DnnlMaxPool(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0},
                new int[] {0, 0}, true)) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 4, 4, 2);
            INDArray y = Nd4j.create(DataType.FLOAT, 1, 2, 2, 2);
            pool.forward(x, y, true);
            INDArray other = x.dup();
            assertThrows(IllegalStateException.class, () -> pool.backward(other, y, other.like()));
        }
    }
}
