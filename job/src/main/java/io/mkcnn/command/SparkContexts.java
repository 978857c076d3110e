package io.mkcnn.command;

import io.mkcnn.store.ObjectStores;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a command gets its SparkContext: one the caller supplies (a test, or an application that embeds the job),
 * which is left running, or a new one for the command, stopped when it ends. Either way the object stores' retries
 * are bounded.
 */
public final class SparkContexts {
    private static final String PLUGINS = "spark.plugins";
    /** The plugin that shows the training's figures in Spark's metrics system (package report). */
    static final String METRICS_PLUGIN = "io.mkcnn.report.MetricsPlugin";
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
        with(appName, Map.of(), body);
    }

    /**
     * As {@link #with(String, Consumer)}; a new context also takes {@code settings} where the user's Spark
     * configuration does not set them.
     */
    public void with(String appName, Map<String, String> settings, Consumer<JavaSparkContext> body) {
        if (supplied != null) {
            ObjectStores.boundRetries(supplied.hadoopConfiguration());
            body.accept(supplied);
            return;
        }
        SparkConf conf = new SparkConf().setAppName(appName)
                .setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        settings.forEach(conf::setIfMissing);
        String plugins = conf.get(PLUGINS, "");
        if (!Arrays.asList(plugins.split(",")).contains(METRICS_PLUGIN)) {
            conf.set(PLUGINS, plugins.isEmpty() ? METRICS_PLUGIN : plugins + "," + METRICS_PLUGIN);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(conf));
        ObjectStores.boundRetries(sc.hadoopConfiguration());
        try {
            body.accept(sc);
        } finally {
            sc.stop();
        }
    }

    /**
     * The Spark settings that put a run's id into its metrics' names ({@code spark.metrics.namespace}), unless the
     * user's configuration names them otherwise.
     */
    public static Map<String, String> metricsNamespace(String runId) {
        return Map.of("spark.metrics.namespace", "mkcnn-" + runId);
    }

    /**
     * The Hadoop configuration the command's SparkContext will have (the {@code spark.hadoop.*} settings), for what
     * is read before it exists.
     */
    public Configuration hadoopConfiguration() {
        if (supplied != null) {
            return supplied.hadoopConfiguration();
        }
        Configuration conf = new Configuration();
        for (scala.Tuple2<String, String> kv : new SparkConf().getAll()) {
            if (kv._1().startsWith("spark.hadoop.")) {
                conf.set(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        ObjectStores.boundRetries(conf);
        return conf;
    }
}
