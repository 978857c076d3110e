package io.mkcnn.config;

/** How DL4J feeds each round's minibatches to the workers. */
public enum TrainingApproach {
    /** Write each epoch's minibatches to the export directory once, then stream them per round. */
    EXPORT,
    /** Keep minibatches in Spark's memory and repartition them every round. */
    DIRECT
}
