package io.mkcnn.config;

import java.io.Serializable;

/**
 * The driver's outer step on each round's average ({@code train.outer*}).
 *
 * @param step plain average, SlowMo momentum or DiLoCo's Nesterov
 * @param lr the outer learning rate
 * @param momentum the outer momentum
 */
public record OuterConfig(OuterStep step, double lr, double momentum) implements Serializable {

    /** Defaults follow the workers: several meet with DiLoCo's Nesterov step, one has nothing to average. */
    static OuterConfig read(Settings s, int workers) {
        OuterStep step = s.enumValue("train.outer", workers > 1 ? OuterStep.NESTEROV : OuterStep.AVERAGE);
        // the references' settings: SlowMo alpha 1 (beta tuned in 0..0.6), DiLoCo outer lr 0.7, momentum 0.9
        return new OuterConfig(step,
                s.doubleValue("train.outer.lr", step == OuterStep.NESTEROV ? 0.7 : 1.0, 0.0, 100.0),
                s.doubleValue("train.outer.momentum", step == OuterStep.NESTEROV ? 0.9
                        : step == OuterStep.MOMENTUM ? 0.5 : 0.0, 0.0, 0.999));
    }
}
