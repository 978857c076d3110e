package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** bf16 rounding and the error feedback of a worker's changes, on small arrays. */
class Bf16ChangesTest {
    @Test
    void roundsToTheNearestBf16TiesToEven() {
        assertEquals(1.0f, Bf16Changes.fromBf16(Bf16Changes.toBf16(1.0f)));
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0)
        assertEquals(1.0f, Bf16Changes.fromBf16(Bf16Changes.toBf16(1.0f + 0x1p-8f)));
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6
        assertEquals(1.0f + 0x1p-6f, Bf16Changes.fromBf16(Bf16Changes.toBf16(1.0f + 3 * 0x1p-8f)));
        assertEquals(-3.140625f, Bf16Changes.fromBf16(Bf16Changes.toBf16(-3.1415927f)));
        assertTrue(Float.isNaN(Bf16Changes.fromBf16(Bf16Changes.toBf16(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16Changes.fromBf16(Bf16Changes.toBf16(Float.POSITIVE_INFINITY)));
        Random rng = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            float x = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(12) - 8));
            float y = Bf16Changes.fromBf16(Bf16Changes.toBf16(x));
            assertTrue(Math.abs(y - x) <= Math.abs(x) * 0x1p-8f, x + " -> " + y); // half a step: 2^-9 relative
        }
    }

    @Test
    void whatIsSentOverRoundsSumsToTheChangesUpToOneResidual() {
        int n = 1000;
        int rounds = 200;
        Random rng = new Random(7);
        float[] bias = new float[n];
        for (int i = 0; i < n; i++) {
            bias[i] = (float) (rng.nextGaussian() * 1e-3);
        }
        float[] residual = new float[n];
        double[] trueSum = new double[n];
        float[] sentSum = new float[n];
        double[] naiveSum = new double[n];
        for (int r = 0; r < rounds; r++) {
            float[] change = new float[n];
            for (int i = 0; i < n; i++) {
                // a steady drift (the same sign every round) plus noise: plain rounding errs the same way each round
                change[i] = bias[i] * (1 + 1e-4f * (float) rng.nextGaussian());
                trueSum[i] += change[i];
                naiveSum[i] += Bf16Changes.fromBf16(Bf16Changes.toBf16(change[i]));
            }
            Bf16Changes.addTo(Bf16Changes.encode(change, residual), sentSum);
        }
        double feedbackError = 0;
        double naiveError = 0;
        for (int i = 0; i < n; i++) {
            // the sum sent plus the residual still held is the sum of the changes, to fp32 accumulation
            assertEquals(trueSum[i], sentSum[i] + residual[i], Math.abs(trueSum[i]) * 1e-4 + 1e-9, "value " + i);
            // the residual is below half a bf16 step of one round's change (plus the previous residual)
            assertTrue(Math.abs(residual[i]) <= Math.abs(bias[i]) * 1.02 * 0x1p-8f, "residual " + residual[i]);
            feedbackError += Math.abs(sentSum[i] - trueSum[i]);
            naiveError += Math.abs(naiveSum[i] - trueSum[i]);
        }
        assertTrue(naiveError > 20 * feedbackError, "error feedback: " + feedbackError + " against plain rounding "
                + naiveError);
    }
}
