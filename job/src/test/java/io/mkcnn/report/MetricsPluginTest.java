package io.mkcnn.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mkcnn.config.JobConfig;
import io.mkcnn.testutil.SyntheticData;
import io.mkcnn.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training's gauges in Spark's metrics system: scraped from the driver's Prometheus and JSON endpoints while a
 * local run trains, they move, and they end at the run's figures.
 */
class MetricsPluginTest {
    private static final String PREFIX = "metrics_mkcnn_test_driver_plugin_io_mkcnn_report_MetricsPlugin_";

    @TempDir
    Path dir;

    private static String get(String url) throws IOException {
        try (InputStream in = URI.create(url).toURL().openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A gauge's value in Prometheus' text format, or NaN when absent. */
    private static double gauge(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(PREFIX + name + "_Value") + "\\S* (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    @SuppressWarnings("unchecked")
    void gaugesMoveDuringALocalRunAndEndAtItsFigures() throws Exception {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("metrics-test")
                .set("spark.driver.host", "localhost")
                .set("spark.ui.port", "0")
                .set("spark.plugins", MetricsPlugin.class.getName())
                .set("spark.metrics.namespace", "mkcnn-test")
                .set("spark.metrics.conf.*.sink.prometheusServlet.class",
                        "org.apache.spark.metrics.sink.PrometheusServlet")
                .set("spark.metrics.conf.*.sink.prometheusServlet.path", "/metrics/prometheus")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            SyntheticData data = SyntheticData.write(dir.resolve("data"), 640, 1);
            JobConfig cfg = JobConfig.from(Map.of(), "test", Map.of("data.train", data.train(), "data.test",
                    data.test(), "out", dir.resolve("run").toString(), "train.epochs", "5", "train.batch", "32",
                    "train.averaging.frequency", "5", "checkpoint.every.rounds", "2"));
            String ui = sc.sc().uiWebUrl().get();
            CompletableFuture<?> run = CompletableFuture.runAsync(() -> new Trainer(sc, cfg, false).run());
            TreeSet<Double> rounds = new TreeSet<>();
            while (!run.isDone()) {
                double round = gauge(get(ui + "/metrics/prometheus"), "round");
                if (round > 0) {
                    rounds.add(round);
                }
                Thread.sleep(100);
            }
            run.get();
            assertTrue(rounds.size() >= 2, "the round gauge moved during the run: " + rounds);

            String text = get(ui + "/metrics/prometheus");
            Map<String, Object> summary = new ObjectMapper().readValue(dir.resolve("run/metrics.json").toFile(),
                    Map.class);
            Map<String, Object> training = (Map<String, Object>) summary.get("training");
            assertEquals(((Number) training.get("rounds")).doubleValue(), gauge(text, "round"));
            assertEquals(5.0, gauge(text, "epoch"));
            assertEquals(((Number) training.get("examples")).doubleValue(), gauge(text, "examples_seen"));
            assertEquals(((Number) ((Map<String, Object>) summary.get("test")).get("accuracy")).doubleValue(),
                    gauge(text, "evaluation_accuracy"), 1e-9);
            assertEquals(gauge(text, "round"), gauge(text, "checkpoint_round"));
            assertTrue(gauge(text, "examples_per_second") > 0 && gauge(text, "loss") > 0, text);
            assertTrue(gauge(text, "bn_shift") >= 0, text);
            // the JSON servlet Spark serves by default carries them too
            Map<String, Object> json = new ObjectMapper().readValue(get(ui + "/metrics/json"), Map.class);
            Map<String, Object> gauges = (Map<String, Object>) json.get("gauges");
            for (String name : MetricsPlugin.gauges().keySet()) {
                assertTrue(gauges.containsKey("mkcnn-test.driver.plugin.io.mkcnn.report.MetricsPlugin." + name),
                        name + " in " + gauges.keySet());
            }
        } finally {
            sc.stop();
        }
    }
}
