package io.mkcnn.report;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Shows the training's figures in Spark's metrics system, so every sink Spark has (JMX, the JSON servlet at
 * {@code /metrics/json}, Prometheus through the {@code PrometheusServlet} sink, Graphite, CSV) carries them. Enabled
 * by {@code spark.plugins=io.mkcnn.report.MetricsPlugin}, which {@code submit.sh} and the job's own Spark
 * configuration set. The driver registers these gauges (under
 * {@code <spark.metrics.namespace>.driver.plugin.io.mkcnn.report.MetricsPlugin.}):
 * {@value #NAMES}.
 */
public final class MetricsPlugin implements SparkPlugin {
    /** The metric names, as the class comment lists them. */
    static final String NAMES = "epoch, round, examples_seen, loss, examples_per_second, evaluation_accuracy, "
            + "bn_shift, checkpoint_round";

    /** Each gauge and what it reads. */
    static Map<String, Supplier<Number>> gauges() {
        return Map.of("epoch", TrainingGauges::epoch,
                "round", TrainingGauges::round,
                "examples_seen", TrainingGauges::examplesSeen,
                "loss", TrainingGauges::loss,
                "examples_per_second", TrainingGauges::examplesPerSecond,
                "evaluation_accuracy", TrainingGauges::evaluationAccuracy,
                "bn_shift", TrainingGauges::bnShift,
                "checkpoint_round", TrainingGauges::checkpointRound);
    }

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            @Override
            public void registerMetrics(String appId, PluginContext context) {
                MetricRegistry registry = context.metricRegistry();
                gauges().forEach((name, value) -> registry.register(name, (Gauge<Number>) value::get));
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return null;
    }
}
