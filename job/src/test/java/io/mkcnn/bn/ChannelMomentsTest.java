package io.mkcnn.bn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChannelMomentsTest {

    /** Two channels of values; channel 1 is shifted so workers differ in mean. */
    private static double[][] values(Random rng, int n, double shift) {
        double[][] v = new double[2][n];
        for (int i = 0; i < n; i++) {
            v[0][i] = rng.nextGaussian() * 2 + 1;
            v[1][i] = rng.nextGaussian() * 0.5 + shift;
        }
        return v;
    }

    private static double[] mean(double[][] v) {
        double[] m = new double[v.length];
        for (int c = 0; c < v.length; c++) {
            for (double x : v[c]) {
                m[c] += x / v[c].length;
            }
        }
        return m;
    }

    private static double[] var(double[][] v) {
        double[] m = mean(v);
        double[] s = new double[v.length];
        for (int c = 0; c < v.length; c++) {
            for (double x : v[c]) {
                s[c] += (x - m[c]) * (x - m[c]) / v[c].length;
            }
        }
        return s;
    }

    private static double[][] concat(double[][]... parts) {
        int n = 0;
        for (double[][] p : parts) {
            n += p[0].length;
        }
        double[][] all = new double[2][n];
        int at = 0;
        for (double[][] p : parts) {
            for (int c = 0; c < 2; c++) {
                System.arraycopy(p[c], 0, all[c], at, p[c].length);
            }
            at += p[0].length;
        }
        return all;
    }

    @Test
    void mergedGroupsGiveTheStatisticsOfAllValuesIncludingBetweenWorkerVariance() {
        Random rng = new Random(3);
        double[][] w1b1 = values(rng, 50, -3);
        double[][] w1b2 = values(rng, 70, -3);
        double[][] w2b1 = values(rng, 33, 4);
        ChannelMoments worker1 = new ChannelMoments(2);
        worker1.addGroup(50, mean(w1b1), var(w1b1));
        worker1.addGroup(70, mean(w1b2), var(w1b2));
        ChannelMoments worker2 = new ChannelMoments(2);
        worker2.addGroup(33, mean(w2b1), var(w2b1));

        ChannelMoments pooled = new ChannelMoments(2).merge(worker1).merge(worker2);
        double[][] all = concat(w1b1, w1b2, w2b1);
        assertEquals(153, pooled.count());
        assertArrayEquals(mean(all), pooled.mean(), 1e-10);
        assertArrayEquals(var(all), pooled.variance(), 1e-10);

        // the plain average of the workers' variances misses the between-worker term (~8.3 for channel 1)
        double naive = (worker1.variance()[1] + worker2.variance()[1]) / 2;
        assertEquals(true, pooled.variance()[1] > naive + 5, "pooled " + pooled.variance()[1] + " naive " + naive);
    }

    @Test
    void mergeOrderDoesNotMatter() {
        ChannelMoments a = new ChannelMoments(1);
        a.addGroup(10, new double[] {1}, new double[] {2});
        ChannelMoments b = new ChannelMoments(1);
        b.addGroup(30, new double[] {-1}, new double[] {0.5});
        assertArrayEquals(a.copy().merge(b).variance(), b.copy().merge(a).variance(), 1e-12);
    }

    @Test
    void emptyAccumulatorRefusesToFinalise() {
        assertThrows(IllegalStateException.class, () -> new ChannelMoments(3).mean());
    }

    @Test
    void channelCountMustMatch() {
        ChannelMoments a = new ChannelMoments(2);
        assertThrows(IllegalArgumentException.class, () -> a.merge(new ChannelMoments(3)));
        assertThrows(IllegalArgumentException.class, () -> a.addGroup(1, new double[3], new double[3]));
    }
}
