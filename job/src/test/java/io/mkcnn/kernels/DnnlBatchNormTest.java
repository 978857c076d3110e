package io.mkcnn.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The oneDNN batch-norm kernels against the textbook formulas, written out as loops over small arrays. */
class DnnlBatchNormTest {
    private static final int N = 3;
    private static final int C = 5;
    private static final int H = 4;
    private static final int W = 3;
    private static final double EPS = 1e-3;

    @Test
    void trainingForwardNormalisesWithTheBatchMomentsAndReturnsThem() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W).muli(2).addi(0.5);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, C);
        INDArray y = Nd4j.create(DataType.FLOAT, N, C, H, W);
        INDArray mean = Nd4j.create(DataType.FLOAT, C);
        INDArray var = Nd4j.create(DataType.FLOAT, C);
        try (DnnlBatchNorm bn = new DnnlBatchNorm(EPS, false)) {
            bn.forwardTraining(x, gamma, beta, y, mean, var);
        }
        double[][] m = moments(x);
        assertArrayEquals(m[0], mean.toDoubleVector(), 1e-5);
        assertArrayEquals(m[1], var.toDoubleVector(), 1e-4);
        assertArrayEquals(normalise(x, m[0], m[1], gamma, beta), y.data().asDouble(), 1e-4);
    }

    @Test
    void channelsLastGivesTheSameAsNchw() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W).muli(2).addi(0.5);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, C);
        INDArray dy = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray[] nchw = run(false, x, gamma, beta, dy);
        INDArray[] nhwc = run(true, x.permute(0, 2, 3, 1).dup('c'), gamma, beta, dy.permute(0, 2, 3, 1).dup('c'));
        assertArrayEquals(nchw[0].data().asDouble(), nhwc[0].permute(0, 3, 1, 2).dup('c').data().asDouble(), 1e-5);
        assertArrayEquals(nchw[1].data().asDouble(), nhwc[1].permute(0, 3, 1, 2).dup('c').data().asDouble(), 1e-5);
        for (int i = 2; i < nchw.length; i++) {
            assertArrayEquals(nchw[i].toDoubleVector(), nhwc[i].toDoubleVector(), 1e-4);
        }
    }

    @Test
    void fusedReluEqualsNormalisationThenReluInBothLayouts() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W).muli(2).addi(0.5);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, C);
        INDArray dy = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        for (boolean channelsLast : new boolean[] {false, true}) {
            INDArray xl = channelsLast ? x.permute(0, 2, 3, 1).dup('c') : x;
            INDArray dyl = channelsLast ? dy.permute(0, 2, 3, 1).dup('c') : dy;
            INDArray[] plain = run(channelsLast, false, xl, gamma, beta, dyl);
            // the reference: ReLU of the plain output, and the plain backward of the gradient ReLU lets through
            INDArray positive = plain[0].gt(0).castTo(DataType.FLOAT);
            INDArray[] masked = run(channelsLast, false, xl, gamma, beta, dyl.mul(positive));
            INDArray[] fused = run(channelsLast, true, xl, gamma, beta, dyl);
            String layout = channelsLast ? "NHWC" : "NCHW";
            assertTrue(positive.sumNumber().doubleValue() > 0 && positive.sumNumber().doubleValue() < x.length(),
                    "the test's outputs are of both signs");
            assertArrayEquals(plain[0].mul(positive).data().asDouble(), fused[0].data().asDouble(), 1e-5,
                    layout + " output");
            assertArrayEquals(masked[1].data().asDouble(), fused[1].data().asDouble(), 1e-4, layout + " dx");
            for (int i = 2; i < fused.length; i++) {
                assertArrayEquals(masked[i].toDoubleVector(), fused[i].toDoubleVector(), 1e-4, layout + " " + i);
            }

            INDArray mean = Nd4j.randn(DataType.FLOAT, C);
            INDArray var = Nd4j.rand(DataType.FLOAT, C).addi(0.2);
            INDArray yPlain = Nd4j.create(DataType.FLOAT, xl.shape());
            INDArray yFused = Nd4j.create(DataType.FLOAT, xl.shape());
            try (DnnlBatchNorm bn = new DnnlBatchNorm(EPS, channelsLast);
                 DnnlBatchNorm bnRelu = new DnnlBatchNorm(EPS, channelsLast, true)) {
                bn.forwardInference(xl, gamma, beta, mean, var, yPlain);
                bnRelu.forwardInference(xl, gamma, beta, mean, var, yFused);
            }
            assertArrayEquals(Transforms.relu(yPlain).data().asDouble(), yFused.data().asDouble(), 1e-6,
                    layout + " inference");
        }
    }

    /** Training forward then backward: y, dx, mean, variance, dgamma, dbeta. */
    private static INDArray[] run(boolean channelsLast, INDArray x, INDArray gamma, INDArray beta, INDArray dy) {
        return run(channelsLast, false, x, gamma, beta, dy);
    }

    /** Training forward then backward, with or without the fused ReLU: y, dx, mean, variance, dgamma, dbeta. */
    private static INDArray[] run(boolean channelsLast, boolean relu, INDArray x, INDArray gamma, INDArray beta,
                                  INDArray dy) {
        INDArray y = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray mean = Nd4j.create(DataType.FLOAT, C);
        INDArray var = Nd4j.create(DataType.FLOAT, C);
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, C);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, C);
        try (DnnlBatchNorm bn = new DnnlBatchNorm(EPS, channelsLast, relu)) {
            bn.forwardTraining(x, gamma, beta, y, mean, var);
            bn.backward(x, dy, gamma, beta, mean, var, dx, dGamma, dBeta);
        }
        return new INDArray[] {y, dx, mean, var, dGamma, dBeta};
    }

    @Test
    void inferenceForwardUsesTheGivenStatistics() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, C);
        INDArray mean = Nd4j.randn(DataType.FLOAT, C);
        INDArray var = Nd4j.rand(DataType.FLOAT, C).addi(0.2);
        INDArray y = Nd4j.create(DataType.FLOAT, N, C, H, W);
        try (DnnlBatchNorm bn = new DnnlBatchNorm(EPS, false)) {
            bn.forwardInference(x, gamma, beta, mean, var, y);
        }
        assertArrayEquals(normalise(x, mean.toDoubleVector(), var.toDoubleVector(), gamma, beta),
                y.data().asDouble(), 1e-4);
    }

    @Test
    void backwardGivesTheGradientsOfTrainingForward() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, C).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, C);
        INDArray dy = Nd4j.randn(DataType.FLOAT, N, C, H, W);
        INDArray y = Nd4j.create(DataType.FLOAT, N, C, H, W);
        INDArray mean = Nd4j.create(DataType.FLOAT, C);
        INDArray var = Nd4j.create(DataType.FLOAT, C);
        INDArray dx = Nd4j.create(DataType.FLOAT, N, C, H, W);
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, C);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, C);
        try (DnnlBatchNorm bn = new DnnlBatchNorm(EPS, false)) {
            bn.forwardTraining(x, gamma, beta, y, mean, var);
            bn.backward(x, dy, gamma, beta, mean, var, dx, dGamma, dBeta);
        }
        // reference: xhat = (x - mu) / s; dbeta = sum dy; dgamma = sum dy * xhat;
        // dx = gamma / s * (dy - mean(dy) - xhat * mean(dy * xhat))
        double[][] m = moments(x);
        double[] xs = x.data().asDouble();
        double[] dys = dy.data().asDouble();
        double[] g = gamma.toDoubleVector();
        double count = N * H * W;
        double[] sumDy = new double[C];
        double[] sumDyXhat = new double[C];
        for (int i = 0; i < xs.length; i++) {
            int c = channel(i);
            double xhat = (xs[i] - m[0][c]) / Math.sqrt(m[1][c] + EPS);
            sumDy[c] += dys[i];
            sumDyXhat[c] += dys[i] * xhat;
        }
        double[] expectDx = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int c = channel(i);
            double s = Math.sqrt(m[1][c] + EPS);
            double xhat = (xs[i] - m[0][c]) / s;
            expectDx[i] = g[c] / s * (dys[i] - sumDy[c] / count - xhat * sumDyXhat[c] / count);
        }
        assertArrayEquals(sumDy, dBeta.toDoubleVector(), 1e-4);
        assertArrayEquals(sumDyXhat, dGamma.toDoubleVector(), 1e-4);
        assertArrayEquals(expectDx, dx.data().asDouble(), 1e-4);
    }

    private static int channel(int flatIndex) {
        return (flatIndex / (H * W)) % C;
    }

    /** Per-channel mean and biased variance over examples, height and width. */
    private static double[][] moments(INDArray x) {
        double[] xs = x.data().asDouble();
        double[] sum = new double[C];
        double[] sq = new double[C];
        for (int i = 0; i < xs.length; i++) {
            sum[channel(i)] += xs[i];
        }
        double count = N * H * W;
        double[] mean = new double[C];
        for (int c = 0; c < C; c++) {
            mean[c] = sum[c] / count;
        }
        for (int i = 0; i < xs.length; i++) {
            double d = xs[i] - mean[channel(i)];
            sq[channel(i)] += d * d;
        }
        double[] var = new double[C];
        for (int c = 0; c < C; c++) {
            var[c] = sq[c] / count;
        }
        return new double[][] {mean, var};
    }

    private static double[] normalise(INDArray x, double[] mean, double[] var, INDArray gamma, INDArray beta) {
        double[] xs = x.data().asDouble();
        double[] g = gamma.toDoubleVector();
        double[] b = beta.toDoubleVector();
        double[] y = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int c = channel(i);
            y[i] = g[c] * (xs[i] - mean[c]) / Math.sqrt(var[c] + EPS) + b[c];
        }
        return y;
    }
}
