package io.mkcnn.config;

/** What a worker sends back after a round ({@code train.transfer}). */
public enum Transfer {
    /** Its parameters, in fp32 (DL4J's parameter averaging). */
    FP32,
    /**
     * Its change from the round's broadcast parameters in bf16, with error feedback: the rounding residual stays on
     * the executor, keyed by the shard, and joins the next round's change, so nothing is lost over rounds.
     */
    BF16
}
