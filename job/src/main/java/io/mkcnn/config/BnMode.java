package io.mkcnn.config;

/** How the driver sets BN moving statistics after parameters are averaged. */
public enum BnMode {
    /** DL4J's behaviour: average mean and log10 std like any parameter. */
    NAIVE,
    /** Every round: pool the workers' per-batch statistics with the law of total variance. */
    POOLED,
    /** Pooled every round, and recomputed with the averaged weights over a training sample before each
     *  evaluation and at the end of training. */
    RECOMPUTE
}
