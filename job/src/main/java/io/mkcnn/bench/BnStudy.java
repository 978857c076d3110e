package io.mkcnn.bench;

import io.mkcnn.bn.BnLayers;
import io.mkcnn.bn.BnRecompute;
import io.mkcnn.bn.BnReconciler;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.RecordInput;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.store.OutputDir;
import io.mkcnn.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BN reconciliation study: the same configuration trained on one worker, on {@code W} workers with IID
 * shards and on {@code W} workers with class-sorted shards (by default {@code by_class}; {@code --set
 * train.partitioning=by_label} for label-pure ones), and each evaluated with the BN moving statistics of
 * every mode: {@code naive} (DL4J's averaging), {@code pooled} (law of total variance every round) and
 * {@code recompute} (recomputed over training records with the final weights).
 *
 * <p>The moving statistics take no part in training (training-mode BN normalises with each minibatch's own
 * statistics), so the modes train identical weights. A naive and a pooled run are trained per sharding; the
 * recompute row is the pooled run's final weights with recomputed statistics, which is what a recompute-mode
 * run ends with. The study checks the premise by comparing the naive and pooled runs' weights, and measures the
 * statistics alone by swapping them: each run's weights evaluated with the other run's moving statistics.
 *
 * <p>Each run is an ordinary training run under {@code OUT/<name>}: rerunning the study resumes or reuses them.
 */
public final class BnStudy {
    private static final Logger LOG = LoggerFactory.getLogger(BnStudy.class);

    private final JavaSparkContext sc;
    private final JobConfig base;
    private final int workers;

    /**
     * @param base the configuration every run shares (data, test data, epochs, model, seed...); its {@code out}
     *     is the study's folder and its {@code train.workers} the distributed runs' worker count
     */
    public BnStudy(JavaSparkContext sc, JobConfig base) {
        this.sc = sc;
        this.base = base;
        this.workers = base.train().workers();
    }

    /**
     * One row of the table: a sharding and the test accuracy under each mode; for the distributed rows also the
     * pooled run's weights with the naive run's statistics and the reverse.
     */
    record Row(String shards, int workers, Double naive, Double pooled, Double recompute, double weightDiff,
               Double naiveStatsPooledWeights, Double pooledStatsNaiveWeights) {
        Row(String shards, int workers, Double naive, Double pooled, Double recompute, double weightDiff) {
            this(shards, workers, naive, pooled, recompute, weightDiff, null, null);
        }

        /** Pooled minus naive statistics on equal weights, in points: the mean over the two runs' weights. */
        Double pooledGainSameWeights() {
            if (naiveStatsPooledWeights == null || pooledStatsNaiveWeights == null) {
                return null;
            }
            return 100 * ((pooled - naiveStatsPooledWeights) + (pooledStatsNaiveWeights - naive)) / 2;
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("shards", shards);
            m.put("workers", workers);
            m.put("naive", naive);
            m.put("pooled", pooled);
            m.put("recompute", recompute);
            m.put("max_weight_difference_naive_vs_pooled", Double.isNaN(weightDiff) ? null : weightDiff);
            m.put("naive_statistics_on_pooled_weights", naiveStatsPooledWeights);
            m.put("pooled_statistics_on_naive_weights", pooledStatsNaiveWeights);
            m.put("pooled_minus_naive_same_weights_points", pooledGainSameWeights());
            return m;
        }
    }

    public Map<String, Object> run() {
        base.nativeSettings().apply();
        // the data is read and checked before the study's folder is created, so bad input leaves nothing behind
        JavaRDD<CifarRecord> train = RecordInput.read(sc, base.data().train(), CifarSource.Role.TRAINING,
                base.data(), workers)
                .persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = RecordInput.read(sc, base.data().test(), CifarSource.Role.SCORING,
                base.data(), workers)
                .persist(StorageLevel.MEMORY_ONLY());
        long trainCount = train.count();
        test.count();
        OutputDir out = OutputDir.open(base.ops().out(), sc.hadoopConfiguration());

        List<Row> rows = new ArrayList<>();
        // per run, how far its final moving statistics are from those its own weights produce
        Map<String, Map<String, Double>> distance = new LinkedHashMap<>();
        // one worker: no averaging, so DL4J's own moving statistics are the reference ("naive" is DL4J unchanged)
        ComputationGraph single = trained(out, "single", 1, "iid", "naive");
        double singleAcc = accuracy(single, test);
        double singleRecomputed = accuracy(recomputed(single, train, trainCount, distance, "single"), test);
        rows.add(new Row("single worker", 1, singleAcc, null, singleRecomputed, Double.NaN));
        for (String shards : new String[] {"iid", skewedShards(base)}) {
            ComputationGraph naive = trained(out, shards + "-naive", workers, shards, "naive");
            ComputationGraph pooled = trained(out, shards + "-pooled", workers, shards, "pooled");
            double diff = weightDifference(naive, pooled);
            double naiveAcc = accuracy(naive, test);
            double pooledAcc = accuracy(pooled, test);
            recomputed(naive, train, trainCount, distance, shards + "-naive");
            double recomputeAcc = accuracy(recomputed(pooled, train, trainCount, distance, shards + "-pooled"), test);
            double swappedPooled = accuracy(withStatistics(pooled, naive), test);
            double swappedNaive = accuracy(withStatistics(naive, pooled), test);
            rows.add(new Row(shards, workers, naiveAcc, pooledAcc, recomputeAcc, diff, swappedPooled, swappedNaive));
        }
        train.unpersist();
        test.unpersist();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("configuration", new java.util.TreeMap<>(base.effective()));
        report.put("workers", workers);
        report.put("accuracy", rows.stream().map(Row::toJson).toList());
        report.put("statistics_vs_recomputed", distance);
        List<Check> checks = checks(rows);
        report.put("targets", checks.stream().map(Check::toJson).toList());
        out.writeText("study.json", Metrics.toJson(report));
        System.out.println(table(rows));
        System.out.println(distanceTable(distance));
        System.out.println(checkTable(checks));
        System.out.println("report: " + out.resolve("study.json"));
        return report;
    }

    /**
     * The class-skewed sharding of the study: {@code train.partitioning} when the configuration sets one other than
     * {@code iid} ({@code by_label}), else {@code by_class}.
     */
    static String skewedShards(JobConfig cfg) {
        return cfg.train().partitioning() == JobConfig.Partitioning.IID ? "by_class"
                : cfg.train().partitioning().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Trains (or resumes, or finds finished) the run {@code OUT/name} and loads its final model. */
    private ComputationGraph trained(OutputDir out, String name, int runWorkers, String shards, String mode) {
        Map<String, String> set = new LinkedHashMap<>(base.effective());
        set.put("out", out.resolve(name).toString());
        set.put("train.workers", String.valueOf(runWorkers));
        set.put("train.partitioning", shards);
        set.put("bn.mode", mode);
        set.put("eval.every.epochs", "0");
        JobConfig cfg = JobConfig.from(Map.of(), "study", set);
        LOG.info("study run {}: {} worker(s), {} shards, bn.mode={}", name, runWorkers, shards, mode);
        new Trainer(sc, cfg, false).run();
        return ModelFiles.load(sc.hadoopConfiguration(),
                new org.apache.hadoop.fs.Path(out.resolve(name), Trainer.MODEL).toString());
    }

    private double accuracy(ComputationGraph net, JavaRDD<CifarRecord> test) {
        return Evaluator.evaluate(sc, net, test, base.ops().evalBatch(), base.nativeSettings()).accuracy();
    }

    /**
     * A copy of {@code net} with statistics recomputed on its weights; records under {@code run} in {@code distance}
     * each BN layer's mean over channels of |ln(var_moving / var_recomputed)|.
     */
    private ComputationGraph recomputed(ComputationGraph net, JavaRDD<CifarRecord> train, long trainCount,
                                        Map<String, Map<String, Double>> distance, String run) {
        ComputationGraph copy = net.clone();
        distance.put(run, BnRecompute.apply(sc, copy, train, trainCount, base.bn().recomputeSamples(),
                base.ops().evalBatch(),
                base.train().seed(), base.nativeSettings()));
        return copy;
    }

    /** Per run (rows) and BN layer (columns): the distance of the run's moving variances from the recomputed. */
    static String distanceTable(Map<String, Map<String, Double>> distance) {
        StringBuilder b = new StringBuilder(
                "moving statistics against those recomputed on the run's weights: mean |ln(var / var recomputed)|\n");
        List<String> layers = distance.values().stream().flatMap(m -> m.keySet().stream()).distinct().toList();
        b.append(String.format("%-18s", "run"));
        layers.forEach(l -> b.append(String.format(" %12s", l)));
        b.append('\n');
        distance.forEach((run, shift) -> {
            b.append(String.format("%-18s", run));
            layers.forEach(l -> b.append(shift.containsKey(l) ? String.format(" %12.4f", shift.get(l))
                    : String.format(" %12s", "-")));
            b.append('\n');
        });
        return b.toString();
    }

    /** A copy of {@code weights} with the BN moving statistics of {@code statistics} (the same network layout). */
    static ComputationGraph withStatistics(ComputationGraph weights, ComputationGraph statistics) {
        ComputationGraph copy = weights.clone();
        for (String layer : BnLayers.names(copy)) {
            BnLayers.set(copy, layer, BnLayers.mean(statistics, layer), BnLayers.variance(statistics, layer),
                    BnReconciler.MIN_VARIANCE);
        }
        return copy;
    }

    /** Largest absolute difference between two networks' parameters other than the BN moving statistics. */
    static double weightDifference(ComputationGraph a, ComputationGraph b) {
        double max = 0;
        for (Layer layer : a.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                String key = p.getKey();
                if (key.equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                        || key.equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                        || key.equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)) {
                    continue;
                }
                INDArray other = b.getLayer(name).getParam(key);
                max = Math.max(max, p.getValue().sub(other).amaxNumber().doubleValue());
            }
        }
        return max;
    }

    /** One target of the study, with the measured difference in accuracy points. */
    record Check(String target, String measured, boolean met) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("measured", measured);
            m.put("met", met);
            return m;
        }
    }

    /**
     * The targets the study is run for: on class-sorted shards recompute beats naive by 10 points and pooled by 3;
     * on IID shards neither pooled nor recompute is below naive, and every IID mode is within 1 point of the single
     * worker trained for the same epochs.
     */
    static List<Check> checks(List<Row> rows) {
        Row single = rows.stream().filter(r -> r.workers() == 1).findFirst().orElseThrow();
        Row iid = rows.stream().filter(r -> r.shards().equals("iid")).findFirst().orElseThrow();
        Row skewed = rows.stream().filter(r -> r.workers() > 1 && !r.shards().equals("iid")).findFirst().orElseThrow();
        String name = skewed.shards();
        List<Check> checks = new ArrayList<>();
        checks.add(atLeast(name + ": recompute >= naive + 10", skewed.recompute(), skewed.naive(), 10));
        checks.add(atLeast(name + ": pooled >= naive + 3", skewed.pooled(), skewed.naive(), 3));
        checks.add(atLeast("iid: pooled >= naive", iid.pooled(), iid.naive(), 0));
        checks.add(atLeast("iid: recompute >= naive", iid.recompute(), iid.naive(), 0));
        double best = Math.max(single.naive(), single.recompute());
        double worst = Math.min(iid.naive(), Math.min(iid.pooled(), iid.recompute()));
        double gap = 100 * (best - worst);
        checks.add(new Check("iid: every mode within 1 point of single worker",
                String.format("largest gap %.2f points", gap), gap <= 1.0));
        return checks;
    }

    private static Check atLeast(String target, double a, double b, double points) {
        double d = 100 * (a - b);
        return new Check(target, String.format("%+.2f points", d), d >= points);
    }

    static String checkTable(List<Check> checks) {
        StringBuilder b = new StringBuilder();
        for (Check c : checks) {
            b.append(String.format("%-50s %-26s %s%n", c.target(), c.measured(), c.met() ? "met" : "NOT met"));
        }
        return b.toString();
    }

    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-14s %7s %8s %8s %10s %22s %26s%n", "shards", "workers", "naive", "pooled",
                "recompute", "weights naive-pooled", "pooled-naive, same weights"));
        for (Row r : rows) {
            Double gain = r.pooledGainSameWeights();
            b.append(String.format("%-14s %7d %8s %8s %10s %22s %26s%n", r.shards(), r.workers(),
                    Stats.percent(r.naive()), Stats.percent(r.pooled()), Stats.percent(r.recompute()),
                    Double.isNaN(r.weightDiff()) ? "" : String.format("%.1e", r.weightDiff()),
                    gain == null ? "" : String.format("%+.2f points", gain)));
        }
        return b.toString();
    }
}
