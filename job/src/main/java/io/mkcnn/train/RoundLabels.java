package io.mkcnn.train;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * What the Spark UI shows for the rounds' jobs: the epoch's label, e.g. "run 8a2e epoch 3/27", plus the round,
 * e.g. " round 5/39".
 */
final class RoundLabels {
    private String label = "";

    void set(String label) {
        this.label = label;
    }

    /** Describes the jobs submitted next on {@code sc} as round {@code round} (1-based) of {@code of}. */
    void describe(JavaSparkContext sc, int round, int of) {
        if (!label.isEmpty()) {
            sc.setJobDescription(label + " round " + round + "/" + of);
        }
    }
}
