package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.Batches;
import io.mkcnn.kernels.ConvGeometry;
import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.DnnlConvolution;
import io.mkcnn.kernels.Precision;
import io.mkcnn.model.MacCounter;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.OutputDir;
import io.mkcnn.train.RoundTrainer;
import io.mkcnn.train.RoundStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures, in one JVM and one run: ND4J's matrix-multiply ceiling, single-JVM training throughput, Spark
 * training throughput with the configured workers (standard and factorised, batch 64 and 128) with the time
 * of a round split into worker fit, driver aggregation, BN reconciliation and the rest (broadcast, scheduling,
 * result transfer), and evaluation throughput. Every figure is the median of several repetitions after a
 * warm-up. Writes {@code bench.json} and prints a table.
 */
public final class Benchmark {
    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
    /** Training costs about three forward passes: forward, gradient w.r.t. inputs and w.r.t. weights. */
    private static final double TRAIN_MACS_FACTOR = 3.0;

    private final JavaSparkContext sc;
    private final JobConfig base;
    private final int reps;
    private final java.util.Set<String> cases;
    private final List<Integer> roundWorkers;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    /** Every case, in the order they run. */
    public static final List<String> CASES = List.of("augment", "bnstats", "ops", "layers", "single", "spark",
            "spark128", "factorised", "eval", "rounds");

    /**
     * @param cases which of {@link #CASES} to run (the matrix-multiply ceiling is always measured)
     * @param roundWorkers the workers of the {@code rounds} case (the round cost model), measured in turn
     */
    public Benchmark(JavaSparkContext sc, JobConfig base, int reps, java.util.Set<String> cases,
                     List<Integer> roundWorkers) {
        this.sc = sc;
        this.base = base;
        this.reps = reps;
        this.cases = cases;
        this.roundWorkers = List.copyOf(roundWorkers);
    }

    public Map<String, Object> run() {
        base.nativeSettings().apply();
        OutputDir out = OutputDir.open(base.ops().out(), sc.hadoopConfiguration());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("spark_master", sc.master());
        report.put("native", NativeRuntime.describe());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        Precision precision = NativeRuntime.precision();
        report.put("precision", precision.name().toLowerCase(java.util.Locale.ROOT));
        report.put("onednn", Dnnl.version() + " " + Dnnl.isa());
        double matmul = ceilingGflops();
        report.put("matmul_ceiling_gflops", matmul);
        row("matmul ceiling fp32 (GFLOP/s)", "fp32", matmul, Double.NaN, Double.NaN);
        Map<String, Double> convCeilings = new LinkedHashMap<>();
        for (Precision p : Dnnl.isa().hasBf16() ? List.of(Precision.FP32, Precision.BF16) : List.of(Precision.FP32)) {
            double c = convCeilingGflops(p);
            convCeilings.put(p.name().toLowerCase(java.util.Locale.ROOT), c);
            row("conv ceiling " + p.name().toLowerCase(java.util.Locale.ROOT) + " (GFLOP/s)",
                    p.name().toLowerCase(java.util.Locale.ROOT), c, Double.NaN, Double.NaN);
        }
        report.put("conv_ceiling_gflops", convCeilings);
        // the bound of a training row: the convolution ceiling in the precision that row trains in
        double gflops = convCeilings.getOrDefault(precision.name().toLowerCase(java.util.Locale.ROOT), matmul);

        List<Map<String, Object>> results = new ArrayList<>();
        if (cases.contains("augment")) {
            results.add(augmentation());
        }
        if (cases.contains("bnstats")) {
            results.add(bnStatistics());
        }
        if (cases.contains("ops")) {
            opProfile();
        }
        List<Map<String, Object>> profiles = new ArrayList<>();
        List<Map<String, Object>> pooling = new ArrayList<>();
        if (cases.contains("layers")) {
            LayerProfile profile = new LayerProfile(base, 10);
            MultiDataSet batch = LayerProfile.batch(64);
            for (boolean factorised : new boolean[] {false, true}) {
                for (int threads : new int[] {1, 2}) {
                    profiles.add(profile.measure(factorised, threads, batch));
                }
            }
            report.put("layer_profile", profiles);
            for (int threads : new int[] {1, 2}) {
                pooling.add(profile.pooling(threads));
            }
            report.put("max_pooling", pooling);
        }
        for (boolean factorised : new boolean[] {false, true}) {
            if (cases.contains("single") && (!factorised || cases.contains("factorised"))) {
                results.add(result("single-jvm", factorised, 64, singleJvm(factorised, 64), bound(gflops, factorised),
                        null));
            }
        }
        for (boolean factorised : new boolean[] {false, true}) {
            for (int batch : new int[] {64, 128}) {
                boolean wanted = (batch == 64 ? cases.contains("spark") : cases.contains("spark128"))
                        && (!factorised || cases.contains("factorised"));
                if (wanted) {
                    results.add(spark(factorised, batch, bound(gflops, factorised)));
                }
            }
        }
        if (cases.contains("eval")) {
            results.add(evaluation(bound(gflops, false)));
        }
        report.put("results", results);
        Map<String, Object> rounds = null;
        if (cases.contains("rounds")) {
            rounds = new RoundCost(sc, base, reps).measure(roundWorkers, out);
            report.put("round_cost", rounds);
        }
        out.writeText("bench.json", Metrics.toJson(report));
        System.out.println(table());
        for (Map<String, Object> p : profiles) {
            System.out.println(LayerProfile.table(p));
        }
        for (Map<String, Object> p : pooling) {
            System.out.println(LayerProfile.poolingTable(p));
        }
        if (rounds != null) {
            System.out.println(RoundCost.table(rounds));
        }
        System.out.println("report: " + out.resolve("bench.json"));
        return report;
    }

    /** Training throughput bound from a ceiling: GFLOP/s / (2 flops per MAC * 3 passes * MACs per example). */
    private static double bound(double gflops, boolean factorised) {
        return gflops * 1e9 / (2 * TRAIN_MACS_FACTOR * MacCounter.forward(NetworkSpec.cifar(factorised)));
    }

    /**
     * The project's oneDNN convolution kernels on the network's largest convolution (7x7, 64 to 64 channels,
     * 12x12, batch 64, channels-last): forward, backward data and backward weights in turn, the best of several timed runs after
     * a warm-up, as 2 flops per multiply-accumulate of the three passes per second.
     */
    private double convCeilingGflops(Precision precision) {
        int n = 64;
        ConvGeometry g = ConvGeometry.same(64, 64, 7, 7);
        INDArray w = Nd4j.rand(DataType.FLOAT, 64, 64, 7, 7);
        INDArray dw = Nd4j.create(DataType.FLOAT, 64, 64, 7, 7);
        double best = 0;
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 12, 12, 64);
        INDArray y = Nd4j.create(DataType.FLOAT, n, 12, 12, 64);
        INDArray dx = Nd4j.create(DataType.FLOAT, n, 12, 12, 64);
        try (DnnlConvolution k = new DnnlConvolution(g, false, precision, true)) {
            for (int i = 0; i < 3; i++) {
                k.forward(x, w, null, y);
                k.backward(x, w, y, dx, dw, null);
            }
            for (int r = 0; r < Math.max(5, reps * 2); r++) {
                long s = System.nanoTime();
                for (int i = 0; i < 4; i++) {
                    k.forward(x, w, null, y);
                    k.backward(x, w, y, dx, dw, null);
                }
                double seconds = (System.nanoTime() - s) / 1e9;
                best = Math.max(best, 4 * 3 * 2.0 * n * g.macs(12, 12) / seconds / 1e9);
            }
        }
        return best;
    }

    /** ND4J's float32 matrix multiply (2048x2048): the best of several timed runs after a warm-up. */
    private double ceilingGflops() {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double best = 0;
        for (int i = 0; i < 3; i++) {
            a.mmuli(b, c);
        }
        for (int i = 0; i < Math.max(5, reps * 2); i++) {
            long s = System.nanoTime();
            a.mmuli(b, c);
            best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - s) / 1e9) / 1e9);
        }
        return best;
    }

    /** Decoding + augmentation + batching on one thread, as an executor does it (no training). */
    private Map<String, Object> augmentation() {
        List<CifarRecord> data = new ArrayList<>();
        Random rng = new Random(4);
        for (int i = 0; i < 4096; i++) {
            data.add(SyntheticCifar.generate(i % 10, rng, i));
        }
        double[] t = new double[reps + 1];
        for (int r = 0; r <= reps; r++) {
            long s = System.nanoTime();
            for (int i = 0; i < data.size(); i += 64) {
                Batches.toDataSet(data.subList(i, Math.min(data.size(), i + 64)),
                        x -> io.mkcnn.data.Augmenter.train(x.pixels(), rng));
            }
            t[r] = data.size() / ((System.nanoTime() - s) / 1e9);
        }
        double perSecond = median(Arrays.copyOfRange(t, 1, t.length));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", "augmentation and batching, 1 thread");
        m.put("examples_per_second", perSecond);
        LOG.info("augmentation and batching: {} examples/s on one thread", String.format("%.0f", perSecond));
        row("augmentation + batching, 1 thread", "", perSecond, Double.NaN, Double.NaN);
        return m;
    }

    /**
     * What the per-round BN statistics cost a worker: reading every BN layer's moving statistics before and
     * after each minibatch, against the time of the minibatch's fit.
     */
    private Map<String, Object> bnStatistics() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), base.modelOptions(0));
        MultiDataSet batch = syntheticBatch(64, new Random(5));
        io.mkcnn.bn.BnStatsRecorder recorder = new io.mkcnn.bn.BnStatsRecorder();
        for (int i = 0; i < 5; i++) {
            recorder.preUpdate(batch, net);
            net.fit(batch);
            recorder.postUpdate(batch, net);
        }
        int n = 20;
        long statsNanos = 0;
        long fitNanos = 0;
        for (int i = 0; i < n; i++) {
            long a = System.nanoTime();
            recorder.preUpdate(batch, net);
            long b = System.nanoTime();
            net.fit(batch);
            long c = System.nanoTime();
            recorder.postUpdate(batch, net);
            long d = System.nanoTime();
            statsNanos += (b - a) + (d - c);
            fitNanos += c - b;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", "BN statistics collection per minibatch of 64");
        m.put("stats_ms", statsNanos / 1e6 / n);
        m.put("fit_ms", fitNanos / 1e6 / n);
        m.put("fraction_of_fit", (double) statsNanos / fitNanos);
        LOG.info("BN statistics: {} ms per minibatch, {}% of its {} ms fit", String.format("%.3f", statsNanos / 1e6 / n),
                String.format("%.2f", 100.0 * statsNanos / fitNanos), String.format("%.1f", fitNanos / 1e6 / n));
        row("BN stats cost (% of minibatch fit)", "", 100.0 * statsNanos / fitNanos, Double.NaN, Double.NaN);
        return m;
    }

    /** ND4J's op profiler over ten single-JVM minibatches: time per op type (printed by ND4J). */
    private void opProfile() {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), base.modelOptions(0));
        MultiDataSet batch = syntheticBatch(64, new Random(6));
        for (int i = 0; i < 5; i++) {
            net.fit(batch);
        }
        var executioner = Nd4j.getExecutioner();
        executioner.setProfilingConfig(org.nd4j.linalg.profiler.ProfilerConfig.builder()
                .notOptimalArguments(false).checkElapsedTime(true).build());
        executioner.setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.OPERATIONS);
        org.nd4j.linalg.profiler.OpProfiler.getInstance().reset();
        try {
            for (int i = 0; i < 10; i++) {
                net.fit(batch);
            }
            org.nd4j.linalg.profiler.OpProfiler.getInstance().printOutDashboard();
        } finally {
            executioner.setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.DISABLED);
        }
    }

    /** A minibatch of synthetic records (centre crops), balanced over the classes. */
    static MultiDataSet syntheticBatch(int n, Random rng) {
        List<CifarRecord> group = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            group.add(SyntheticCifar.generate(j % 10, rng, j));
        }
        var ds = Batches.toDataSet(group, r -> io.mkcnn.data.Augmenter.eval(r.pixels()));
        return new MultiDataSet(ds.getFeatures(), ds.getLabels());
    }

    private double singleJvm(boolean factorised, int batch) {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), base.modelOptions(0));
        List<MultiDataSet> batches = new ArrayList<>();
        Random rng = new Random(1);
        for (int i = 0; i < 8; i++) {
            batches.add(syntheticBatch(batch, rng));
        }
        int iterations = 16;
        for (int i = 0; i < iterations; i++) {
            net.fit(batches.get(i % batches.size()));
        }
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long s = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                net.fit(batches.get(i % batches.size()));
            }
            t[r] = (double) iterations * batch / ((System.nanoTime() - s) / 1e9);
        }
        return median(t);
    }

    private Map<String, Object> spark(boolean factorised, int batch, double bound) {
        Map<String, String> set = new LinkedHashMap<>(base.effective());
        set.put("train.batch", String.valueOf(batch));
        set.put("model.factorised", String.valueOf(factorised));
        JobConfig cfg = JobConfig.from(Map.of(), "bench", set);
        JavaRDD<CifarRecord> records = syntheticShards(sc, cfg.train().workers(), batch * cfg.train().averagingFrequency() * 3, 2);
        ComputationGraph net = MultiKernelNet.create(cfg.networkSpec(), cfg.modelOptions(0));
        RoundTrainer trainer = new RoundTrainer(sc, cfg, net, OutputDir.open(base.ops().out(),
                sc.hadoopConfiguration()).resolve("_export"));
        List<RoundStats> rounds = new ArrayList<>();
        trainer.onRound(rounds::add);
        double[] epochThroughput = new double[reps];
        double[] roundThroughput = new double[reps];
        List<RoundStats> timed = new ArrayList<>();
        for (int epoch = 0; epoch <= reps; epoch++) {
            rounds.clear();
            long s = System.nanoTime();
            trainer.fitEpoch(records, epoch, 3);
            double seconds = (System.nanoTime() - s) / 1e9;
            if (epoch > 0) {
                long examples = rounds.stream().mapToLong(RoundStats::examples).sum();
                double roundSeconds = rounds.stream().mapToDouble(RoundStats::roundSeconds).sum();
                epochThroughput[epoch - 1] = examples / seconds;
                roundThroughput[epoch - 1] = examples / roundSeconds;
                timed.addAll(rounds);
            }
        }
        trainer.deleteExport();
        records.unpersist();
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("round_seconds", median(timed.stream().mapToDouble(RoundStats::roundSeconds).toArray()));
        split.put("worker_fit_seconds", median(timed.stream().mapToDouble(RoundStats::fitSeconds).toArray()));
        split.put("spark_job_seconds", median(timed.stream().mapToDouble(RoundStats::jobSeconds).toArray()));
        split.put("bn_reconcile_seconds", median(timed.stream().mapToDouble(RoundStats::reconcileSeconds).toArray()));
        // inside the job but not fitting: broadcast fetch, network set-up on the worker, result transfer and
        // the tree aggregation of parameters, updater state and BN statistics
        split.put("job_overhead_seconds", (double) split.get("spark_job_seconds")
                - (double) split.get("worker_fit_seconds"));
        // on the driver outside the job: preparing the split, broadcasting, setting the averaged parameters
        split.put("driver_seconds", (double) split.get("round_seconds") - (double) split.get("spark_job_seconds")
                - (double) split.get("bn_reconcile_seconds"));
        split.put("epoch_examples_per_second_incl_export", median(epochThroughput));
        return result("spark " + cfg.train().workers() + " workers", factorised, batch, median(roundThroughput), bound, split);
    }

    /**
     * {@code perWorker} synthetic records in each of {@code workers} partitions, made on the executors and cached
     * there as the job caches the records it reads: a parallelized list would travel inside every task of every round.
     */
    static JavaRDD<CifarRecord> syntheticShards(JavaSparkContext sc, int workers, int perWorker, long seed) {
        JavaRDD<CifarRecord> records = sc.parallelize(java.util.stream.IntStream.range(0, workers).boxed().toList(),
                workers).mapPartitionsWithIndex((p, ignored) -> {
                    Random rng = new Random(seed * 1_000_003L + p);
                    List<CifarRecord> shard = new ArrayList<>(perWorker);
                    for (int i = 0; i < perWorker; i++) {
                        shard.add(SyntheticCifar.generate(i % 10, rng, (long) p * perWorker + i));
                    }
                    return shard.iterator();
                }, true).persist(StorageLevel.MEMORY_ONLY());
        records.count();
        return records;
    }

    private Map<String, Object> evaluation(double bound) {
        List<CifarRecord> data = new ArrayList<>();
        Random rng = new Random(3);
        for (int i = 0; i < 4096; i++) {
            data.add(SyntheticCifar.generate(i % 10, rng, i));
        }
        JavaRDD<CifarRecord> records = sc.parallelize(data, base.train().workers()).persist(StorageLevel.MEMORY_ONLY());
        records.count();
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(false), base.modelOptions(0));
        Evaluator.evaluate(sc, net, records, base.ops().evalBatch(), base.nativeSettings());
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long s = System.nanoTime();
            Evaluator.evaluate(sc, net, records, base.ops().evalBatch(), base.nativeSettings());
            t[r] = data.size() / ((System.nanoTime() - s) / 1e9);
        }
        records.unpersist();
        // inference is one forward pass: its bound is three times the training bound
        return result("spark evaluation", false, base.ops().evalBatch(), median(t), bound * TRAIN_MACS_FACTOR, null);
    }

    private Map<String, Object> result(String what, boolean factorised, int batch, double examplesPerSecond,
                                       double bound, Map<String, Object> split) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        m.put("model", factorised ? "factorised" : "standard");
        m.put("batch", batch);
        m.put("precision", NativeRuntime.precision().name().toLowerCase(java.util.Locale.ROOT));
        m.put("examples_per_second", examplesPerSecond);
        m.put("ceiling_bound_examples_per_second", bound);
        m.put("fraction_of_ceiling", examplesPerSecond / bound);
        if (split != null) {
            m.put("round", split);
        }
        LOG.info("{} {} batch {}: {} examples/s ({}% of the ceiling bound {})", what, m.get("model"), batch,
                String.format("%.1f", examplesPerSecond), String.format("%.0f", 100 * examplesPerSecond / bound),
                String.format("%.0f", bound));
        row(what + " " + m.get("model") + " b" + batch, (String) m.get("precision"), examplesPerSecond, bound,
                examplesPerSecond / bound);
        return m;
    }

    private void row(String what, String precision, double value, double bound, double fraction) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("what", what);
        r.put("precision", precision);
        r.put("value", value);
        r.put("bound", bound);
        r.put("fraction", fraction);
        rows.add(r);
    }

    private String table() {
        StringBuilder b = new StringBuilder(String.format("%-40s %-9s %12s %12s %9s%n", "measurement", "precision",
                "value", "bound", "of bound"));
        for (Map<String, Object> r : rows) {
            double bound = (double) r.get("bound");
            b.append(String.format("%-40s %-9s %12.1f %12s %9s%n", r.get("what"), r.get("precision"),
                    (double) r.get("value"),
                    Double.isNaN(bound) ? "" : String.format("%.1f", bound),
                    Double.isNaN(bound) ? "" : String.format("%.0f%%", 100 * (double) r.get("fraction"))));
        }
        return b.toString();
    }

    /** An accuracy (a fraction) as a percentage with two decimals, or "-" when there is none. */
    static String percent(Double fraction) {
        return fraction == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
