package io.mkcnn.model;

/**
 * DL4J's parameterisation of a BN layer's moving statistics: they move by minus their "gradient" (a no-op
 * updater), so {@code mean1 = mean0 - (1 - d) * (mean0 - batchMean)} and {@code var1 = d * var0 + (1 - d) * batchVar}
 * with the variance kept as {@code log10(std)}. The same formulas as DL4J's layer, in float32, in plain loops
 * over the channels.
 */
final class MovingStatistics {
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    private MovingStatistics() {
    }

    /** The moving mean's "gradient": {@code (mean0 - batchMean) * (1 - d)}. */
    static float[] meanStep(float[] mean, float[] batchMean, double decay) {
        float take = (float) (1 - decay);
        float[] step = new float[mean.length];
        for (int c = 0; c < mean.length; c++) {
            step[c] = (mean[c] - batchMean[c]) * take;
        }
        return step;
    }

    /** The moving log10(std)'s "gradient": {@code ln(var0 / var1) / (2 ln 10)}, with var1 as above. */
    static float[] log10StdStep(float[] log10Std, float[] batchVar, double decay) {
        float keep = (float) decay;
        float take = (float) (1 - decay);
        float[] step = new float[log10Std.length];
        for (int c = 0; c < log10Std.length; c++) {
            float std = (float) Math.pow(10.0, log10Std[c]);
            float var = std * std;
            float next = var * keep + batchVar[c] * take;
            step[c] = (float) Math.log(var / next) * (float) ONE_ON_2LOGE_10;
        }
        return step;
    }

    /** The plain moving variance's "gradient" ({@code useLogStd=false}): {@code (var0 - batchVar) * (1 - d)}. */
    static float[] varianceStep(float[] variance, float[] batchVar, double decay) {
        return meanStep(variance, batchVar, decay);
    }
}
