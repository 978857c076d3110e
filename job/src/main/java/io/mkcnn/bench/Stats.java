package io.mkcnn.bench;

import java.util.Arrays;

/** Summaries of repeated measurements. */
final class Stats {
    private Stats() {
    }

    /** An accuracy (a fraction) as a percentage with two decimals, or "-" when there is none. */
    static String percent(Double fraction) {
        return fraction == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
