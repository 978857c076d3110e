package io.mkcnn.bench;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.kernels.Dnnl;
import io.mkcnn.kernels.Precision;
import io.mkcnn.model.Engine;
import io.mkcnn.model.FusedNet;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.runtime.NativeRuntime;
import io.mkcnn.store.OutputDir;
import io.mkcnn.train.RoundTrainer;
import io.mkcnn.train.RoundStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * Measures, in one JVM and one run: ND4J's matrix-multiply ceiling, single-JVM training throughput, Spark
 * training throughput with the configured workers (standard and factorised, batch 64 and 128) with the time
 * of a round split into worker fit, driver aggregation, BN reconciliation and the rest (broadcast, scheduling,
 * result transfer), and evaluation throughput. Every figure is the median of several repetitions after a
 * warm-up. Writes {@code bench.json} and prints a table.
 */
public final class Benchmark {

    private final JavaSparkContext sc;
    private final JobConfig base;
    private final int reps;
    private final java.util.Set<String> cases;
    private final List<Integer> roundWorkers;
    private final BenchTable table = new BenchTable();

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

    /** Runs the chosen cases, writes {@code bench.json} and prints the tables; returns what it wrote. */
    public Map<String, Object> run() {
        base.nativeSettings().apply();
        OutputDir out = OutputDir.open(base.ops().out(), sc.hadoopConfiguration());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("spark_master", sc.master());
        report.put("native", NativeRuntime.describe());
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("precision", name(NativeRuntime.precision()));
        report.put("onednn", Dnnl.version() + " " + Dnnl.isa());
        double gflops = ceilings(report);
        List<Map<String, Object>> results = new ArrayList<>();
        ComponentCosts components = new ComponentCosts(base, reps, table);
        if (cases.contains("augment")) {
            results.add(components.augmentation());
        }
        if (cases.contains("bnstats")) {
            results.add(components.bnStatistics());
        }
        if (cases.contains("ops")) {
            components.opProfile();
        }
        List<String> printed = new ArrayList<>();
        if (cases.contains("layers")) {
            printed.addAll(layers(report));
        }
        training(results, gflops);
        report.put("results", results);
        if (cases.contains("rounds")) {
            Map<String, Object> rounds = new RoundCost(sc, base, reps).measure(roundWorkers, out);
            report.put("round_cost", rounds);
            printed.add(RoundCost.table(rounds));
        }
        out.writeText("bench.json", Metrics.toJson(report));
        System.out.println(table.table());
        printed.forEach(System.out::println);
        System.out.println("report: " + out.resolve("bench.json"));
        return report;
    }

    private static String name(Precision p) {
        return p.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The matrix-multiply and convolution ceilings, into {@code report} and the table.
     *
     * @return the bound of a training row: the convolution ceiling in the precision the rows train in
     */
    private double ceilings(Map<String, Object> report) {
        double matmul = Ceilings.matmulGflops(reps);
        report.put("matmul_ceiling_gflops", matmul);
        table.row("matmul ceiling fp32 (GFLOP/s)", "fp32", matmul, Double.NaN, Double.NaN);
        Map<String, Double> conv = new LinkedHashMap<>();
        for (Precision p : Dnnl.isa().hasBf16() ? List.of(Precision.FP32, Precision.BF16) : List.of(Precision.FP32)) {
            double c = Ceilings.convGflops(p, reps);
            conv.put(name(p), c);
            table.row("conv ceiling " + name(p) + " (GFLOP/s)", name(p), c, Double.NaN, Double.NaN);
        }
        report.put("conv_ceiling_gflops", conv);
        return conv.getOrDefault(name(NativeRuntime.precision()), matmul);
    }

    /** The per-layer profile (standard and factorised, 1 and 2 threads) and max pooling; returns their tables. */
    private List<String> layers(Map<String, Object> report) {
        List<Map<String, Object>> profiles = new ArrayList<>();
        List<Map<String, Object>> pooling = new ArrayList<>();
        LayerProfile profile = new LayerProfile(base, 10);
        MultiDataSet batch = LayerProfile.batch(64);
        for (boolean factorised : new boolean[] {false, true}) {
            for (int threads : new int[] {1, 2}) {
                for (Engine engine : Engine.values()) {
                    profiles.add(profile.measure(factorised, threads, batch, engine));
                }
            }
        }
        report.put("layer_profile", profiles);
        PoolingProfile poolingProfile = new PoolingProfile(base);
        for (int threads : new int[] {1, 2}) {
            pooling.add(poolingProfile.measure(threads));
        }
        report.put("max_pooling", pooling);
        List<String> tables = new ArrayList<>();
        profiles.forEach(p -> tables.add(LayerProfile.table(p)));
        pooling.forEach(p -> tables.add(PoolingProfile.table(p)));
        return tables;
    }

    /** The training rows (single JVM, Spark at batch 64 and 128, standard and factorised) and evaluation. */
    private void training(List<Map<String, Object>> results, double gflops) {
        for (boolean factorised : new boolean[] {false, true}) {
            if (cases.contains("single") && (!factorised || cases.contains("factorised"))) {
                results.add(table.result("single-jvm", factorised, 64, singleJvm(factorised, 64),
                        Ceilings.bound(gflops, factorised), null));
            }
        }
        for (boolean factorised : new boolean[] {false, true}) {
            for (int batch : new int[] {64, 128}) {
                boolean wanted = (batch == 64 ? cases.contains("spark") : cases.contains("spark128"))
                        && (!factorised || cases.contains("factorised"));
                if (wanted) {
                    results.add(spark(factorised, batch, Ceilings.bound(gflops, factorised)));
                }
            }
        }
        if (cases.contains("eval")) {
            results.add(evaluation(Ceilings.bound(gflops, false)));
        }
    }

    /** Training throughput in this JVM with the configured engine ({@code model.engine}). */
    private double singleJvm(boolean factorised, int batch) {
        ComputationGraph net = MultiKernelNet.create(NetworkSpec.cifar(factorised), base.modelOptions(0));
        if (base.ops().engine() == Engine.FUSED) {
            net = FusedNet.of(net);
        }
        List<MultiDataSet> batches = new ArrayList<>();
        Random rng = new Random(1);
        for (int i = 0; i < 8; i++) {
            batches.add(Synthetic.batch(batch, rng));
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
        return Stats.median(t);
    }

    private Map<String, Object> spark(boolean factorised, int batch, double bound) {
        Map<String, String> set = new LinkedHashMap<>(base.effective());
        set.put("train.batch", String.valueOf(batch));
        set.put("model.factorised", String.valueOf(factorised));
        JobConfig cfg = JobConfig.from(Map.of(), "bench", set);
        JavaRDD<CifarRecord> records = Synthetic.shards(sc, cfg.train().workers(),
                batch * cfg.train().averagingFrequency() * 3, 2);
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
        split.put("round_seconds", Stats.median(timed.stream().mapToDouble(RoundStats::roundSeconds).toArray()));
        split.put("worker_fit_seconds", Stats.median(timed.stream().mapToDouble(RoundStats::fitSeconds).toArray()));
        split.put("spark_job_seconds", Stats.median(timed.stream().mapToDouble(RoundStats::jobSeconds).toArray()));
        split.put("bn_reconcile_seconds",
                Stats.median(timed.stream().mapToDouble(RoundStats::reconcileSeconds).toArray()));
        // inside the job but not fitting: broadcast fetch, network set-up on the worker, result transfer and
        // the tree aggregation of parameters, updater state and BN statistics
        split.put("job_overhead_seconds", (double) split.get("spark_job_seconds")
                - (double) split.get("worker_fit_seconds"));
        // on the driver outside the job: preparing the split, broadcasting, setting the averaged parameters
        split.put("driver_seconds", (double) split.get("round_seconds") - (double) split.get("spark_job_seconds")
                - (double) split.get("bn_reconcile_seconds"));
        split.put("epoch_examples_per_second_incl_export", Stats.median(epochThroughput));
        return table.result("spark " + cfg.train().workers() + " workers", factorised, batch,
                Stats.median(roundThroughput), bound, split);
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
        return table.result("spark evaluation", false, base.ops().evalBatch(), Stats.median(t),
                bound * Ceilings.TRAIN_MACS_FACTOR, null);
    }

}
