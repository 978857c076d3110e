package io.mkcnn.bn;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Sufficient statistics of one BN layer's input, per channel: the number of values seen and their sum and sum of
 * squares, in double precision. Merging is addition, so the merged result does not depend on how values were
 * split between batches or workers; {@link #variance()} is then the law of total variance over all of them.
 */
public final class ChannelMoments implements Serializable {
    private double count;
    private final double[] sum;
    private final double[] sumSq;

    public ChannelMoments(int channels) {
        this.sum = new double[channels];
        this.sumSq = new double[channels];
    }

    /** Adds a group of {@code n} values per channel with the given (biased) mean and variance. */
    public void addGroup(double n, double[] mean, double[] variance) {
        checkWidth(mean.length);
        checkWidth(variance.length);
        for (int c = 0; c < sum.length; c++) {
            sum[c] += n * mean[c];
            sumSq[c] += n * (variance[c] + mean[c] * mean[c]);
        }
        count += n;
    }

    /** Adds the statistics of another accumulator (e.g. another worker's) to this one. */
    public ChannelMoments merge(ChannelMoments other) {
        checkWidth(other.sum.length);
        for (int c = 0; c < sum.length; c++) {
            sum[c] += other.sum[c];
            sumSq[c] += other.sumSq[c];
        }
        count += other.count;
        return this;
    }

    public double count() {
        return count;
    }

    public int channels() {
        return sum.length;
    }

    /** Per-channel mean of everything added. */
    public double[] mean() {
        requireData();
        double[] m = new double[sum.length];
        for (int c = 0; c < m.length; c++) {
            m[c] = sum[c] / count;
        }
        return m;
    }

    /** Per-channel population (biased) variance of everything added, never negative. */
    public double[] variance() {
        double[] m = mean();
        double[] v = new double[m.length];
        for (int c = 0; c < v.length; c++) {
            v[c] = Math.max(0.0, sumSq[c] / count - m[c] * m[c]);
        }
        return v;
    }

    public ChannelMoments copy() {
        ChannelMoments c = new ChannelMoments(sum.length);
        return c.merge(this);
    }

    private void requireData() {
        if (!(count > 0)) {
            throw new IllegalStateException("no values accumulated (count=" + count + ")");
        }
    }

    private void checkWidth(int n) {
        if (n != sum.length) {
            throw new IllegalArgumentException("expected " + sum.length + " channels, got " + n);
        }
    }

    @Override
    public String toString() {
        return "ChannelMoments{count=" + count + ", sum=" + Arrays.toString(sum) + "}";
    }
}
