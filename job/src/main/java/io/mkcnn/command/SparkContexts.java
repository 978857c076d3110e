package io.mkcnn.command;

import io.mkcnn.store.ObjectStores;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a command gets its SparkContext: one the caller supplies (a test, or an application that embeds the job),
 * which is left running, or a new one for the command, stopped when it ends. Either way the object stores' retries
 * are bounded.
 */
public final class SparkContexts {
    private final JavaSparkContext supplied;

    private SparkContexts(JavaSparkContext supplied) {
        this.supplied = supplied;
    }

    /** Every command creates its own context (the command line). */
    public static SparkContexts own() {
        return new SparkContexts(null);
    }

    /** Every command runs on {@code sc}. */
    public static SparkContexts supplied(JavaSparkContext sc) {
        return new SparkContexts(sc);
    }

    /** Runs {@code body} with the supplied SparkContext, or a new one named {@code appName}, stopped afterwards. */
    public void with(String appName, Consumer<JavaSparkContext> body) {
        if (supplied != null) {
            ObjectStores.boundRetries(supplied.hadoopConfiguration());
            body.accept(supplied);
            return;
        }
        SparkConf conf = new SparkConf().setAppName(appName)
                .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
        ObjectStores.boundRetries(sc.hadoopConfiguration());
        try {
            body.accept(sc);
        } finally {
            sc.stop();
        }
    }
}
