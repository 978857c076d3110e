package io.mkcnn.eval;

import io.mkcnn.config.JobConfig;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunDirectory;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code evaluate} command: scores a saved model on CIFAR records and writes {@code metrics.json}. */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

    private final JavaSparkContext sc;
    private final JobConfig cfg;
    private final String modelPath;

    public EvaluateJob(JavaSparkContext sc, JobConfig cfg, String modelPath) {
        this.sc = sc;
        this.cfg = cfg;
        this.modelPath = modelPath;
    }

    public Map<String, Object> run() {
        ScoringInputs in = ScoringInputs.open(sc, cfg, modelPath, RunDirectory.METRICS);
        OutputDir out = in.out();
        long start = System.nanoTime();
        Evaluation eval = Evaluator.evaluate(sc, in.net(), in.data(), cfg.ops().evalBatch(), cfg.nativeSettings());
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("model", modelPath);
        metrics.put("data", cfg.data().test());
        metrics.put("test", Metrics.evaluation(eval));
        metrics.put("evaluation_examples_per_second", eval.getNumRowCounter() / seconds);
        metrics.put("configuration", new java.util.TreeMap<>(cfg.effective()));
        out.writeText(RunDirectory.METRICS, Metrics.toJson(metrics));
        LOG.info("accuracy {} on {} records; metrics {}", String.format("%.4f", eval.accuracy()),
                eval.getNumRowCounter(), out.resolve(RunDirectory.METRICS));
        return metrics;
    }
}
