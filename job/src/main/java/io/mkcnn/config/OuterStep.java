package io.mkcnn.config;

/**
 * The driver's step after each averaging round ({@code train.outer}); the step itself is
 * {@code train.OuterOptimizer}.
 */
public enum OuterStep {
    /** DL4J's parameter averaging: the average becomes the parameters. */
    AVERAGE,
    /** SlowMo: momentum on the averaged change. */
    MOMENTUM,
    /** DiLoCo's outer SGD with Nesterov momentum. */
    NESTEROV
}
