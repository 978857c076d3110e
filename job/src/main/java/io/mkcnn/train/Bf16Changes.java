package io.mkcnn.train;

/**
 * A worker's change over a round in bf16 with error feedback (as 1-bit SGD and signSGD with error feedback, here at
 * 16 bits): the change plus the residual left from earlier rounds is rounded to bf16 (round to nearest even), and
 * what the rounding dropped becomes the new residual, so the sum of what a shard ever sent equals the sum of its
 * changes up to one residual, which stays below half a bf16 step of the last change. Pure arithmetic on arrays.
 */
public final class Bf16Changes {
    private Bf16Changes() {
    }

    /**
     * Encodes {@code change + residual} in bf16 and leaves in {@code residual} what the rounding dropped.
     *
     * @param residual the shard's residual, updated in place (zeros for a shard's first round)
     */
    public static short[] encode(float[] change, float[] residual) {
        if (change.length != residual.length) {
            throw new IllegalArgumentException("change of " + change.length + " values, residual of "
                    + residual.length);
        }
        short[] bits = new short[change.length];
        for (int i = 0; i < change.length; i++) {
            float total = change[i] + residual[i];
            short b = toBf16(total);
            bits[i] = b;
            float sent = fromBf16(b);
            residual[i] = Float.isFinite(total) ? total - sent : 0f;
        }
        return bits;
    }

    /** Adds the decoded values of {@code bits} to {@code sum}. */
    public static void addTo(short[] bits, float[] sum) {
        if (bits.length != sum.length) {
            throw new IllegalArgumentException("change of " + bits.length + " values, sum of " + sum.length);
        }
        for (int i = 0; i < bits.length; i++) {
            sum[i] += fromBf16(bits[i]);
        }
    }

    /** The bf16 nearest to {@code f} (ties to even); NaN stays NaN, infinities stay infinite. */
    static short toBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((x >>> 16) | 0x40); // quiet NaN, sign kept
        }
        x += 0x7FFF + ((x >>> 16) & 1);
        return (short) (x >>> 16);
    }

    static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
