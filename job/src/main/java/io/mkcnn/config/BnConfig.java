package io.mkcnn.config;

import java.io.Serializable;

/**
 * Batch normalisation and how its moving statistics are reconciled after a round ({@code bn.*}).
 *
 * @param decay the moving statistics' decay
 * @param eps added to the variance
 * @param mode the reconciliation
 * @param recomputeSamples training records the {@code recompute} mode runs through the averaged network
 */
public record BnConfig(double decay, double eps, BnMode mode, int recomputeSamples) implements Serializable {

    static BnConfig read(Settings s) {
        return new BnConfig(
                s.doubleValue("bn.decay", 0.9, 0.0, 0.999),
                s.positiveDouble("bn.eps", 1e-3),
                s.enumValue("bn.mode", BnMode.POOLED),
                s.intValue("bn.recompute.samples", 8192, 1, 100_000_000));
    }
}
