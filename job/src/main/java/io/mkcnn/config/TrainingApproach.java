package io.mkcnn.config;

/** How each round's minibatches reach the workers. */
public enum TrainingApproach {
    /**
     * Keep each worker's shard of records cached on its executor; every round the worker makes its next H minibatches
     * there (augmented, overlapped with training). Rounds run on regardless of epoch ends.
     */
    STREAM,
    /** DL4J's export: write each epoch's minibatches to the export directory once, then stream them per round. */
    EXPORT,
    /** DL4J's direct approach: keep minibatches in Spark's memory and repartition them every round. */
    DIRECT
}
