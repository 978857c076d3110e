package io.mkcnn.bench;

import io.mkcnn.bn.BnRecompute;
import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.config.OuterStep;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.eval.Evaluator;
import io.mkcnn.eval.Metrics;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.RecordInput;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.store.OutputDir;
import io.mkcnn.store.RunDirectory;
import io.mkcnn.train.OuterOptimizer;
import io.mkcnn.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scaling study: one configuration trained with 1, 2 and 4 workers on IID shards and with 4 workers on
 * class-sorted shards, each with plain averaging and with the outer optimizer; a table of the test accuracy after
 * every evaluation, the epochs to a threshold accuracy, examples/s and the outer step's share of round time, written
 * to {@code scaling.json}. Each run is an ordinary training run under {@code OUT/<name>}: rerunning the study
 * resumes or reuses them.
 */
public final class Scaling {
    private static final Logger LOG = LoggerFactory.getLogger(Scaling.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobConfig base;
    private final double threshold;
    private final List<String> only;
    private final Sweep sweep;

    /**
     * The averaging-period sweep: 4 workers with the outer optimizer for every combination of the lists (an empty
     * list: the base configuration's value only), instead of the scaling runs.
     *
     * @param periods H values ({@code train.averaging.frequency}); empty: no sweep
     */
    public record Sweep(List<Integer> periods, List<String> syncs, List<String> transfers, List<String> shards) {
        public static final Sweep NONE = new Sweep(List.of(), List.of(), List.of(), List.of());

        boolean on() {
            return !periods.isEmpty();
        }
    }

    /**
     * @param base the configuration every run shares; its {@code train.outer} (or {@code nesterov} if that is
     *     {@code average}) is the outer optimizer compared with plain averaging
     * @param threshold the test accuracy whose first epoch the table reports
     * @param only the names of the runs to train and report (empty: all of them)
     * @throws InvalidConfigException when {@code only} names a run the study does not have
     */
    public Scaling(JobConfig base, double threshold, List<String> only) {
        this(base, threshold, only, Sweep.NONE);
    }

    /** As above, training the averaging-period {@code sweep} when it is on. */
    public Scaling(JobConfig base, double threshold, List<String> only, Sweep sweep) {
        this.base = base;
        this.threshold = threshold;
        this.only = List.copyOf(only);
        this.sweep = sweep;
        List<String> names = runs().stream().map(Run::name).toList();
        for (String name : only) {
            if (!names.contains(name)) {
                throw new InvalidConfigException("scaling: --runs " + name + ": no such run; the study's runs are "
                        + String.join(", ", names));
            }
        }
    }

    /**
     * One run of the study.
     *
     * @param h its averaging period, 0 for the base configuration's
     * @param sync its {@code train.updater.sync}, null for the base configuration's
     * @param transfer its {@code train.transfer}, null for the base configuration's
     */
    record Run(String name, int workers, String shards, String outer, int h, String sync, String transfer) {
        Run(String name, int workers, String shards, String outer) {
            this(name, workers, shards, outer, 0, null, null);
        }
    }

    /** The outer optimizer compared with plain averaging. */
    private String outerName() {
        return base.outer().step() == OuterStep.AVERAGE
                ? "nesterov" : base.outer().step().name().toLowerCase(Locale.ROOT);
    }

    /** The study's runs, in the table's order. */
    List<Run> runs() {
        String outer = outerName();
        if (sweep.on()) {
            List<Run> runs = new ArrayList<>();
            for (String shards : or(sweep.shards(), "iid")) {
                for (int h : sweep.periods()) {
                    for (String sync : or(sweep.syncs(), base.train().updaterSync().name().toLowerCase(Locale.ROOT))) {
                        for (String transfer : or(sweep.transfers(),
                                base.train().transfer().name().toLowerCase(Locale.ROOT))) {
                            runs.add(new Run("w4-" + shards + "-" + outer + "-h" + h + "-" + sync + "-" + transfer, 4,
                                    shards, outer, h, sync, transfer));
                        }
                    }
                }
            }
            return runs;
        }
        List<Run> runs = new ArrayList<>(List.of(new Run("w1-iid", 1, "iid", "average")));
        for (String[] r : new String[][] {{"2", "iid"}, {"4", "iid"}, {"4", "by_class"}}) {
            for (String o : new String[] {"average", outer}) {
                runs.add(new Run("w" + r[0] + "-" + r[1] + "-" + o, Integer.parseInt(r[0]), r[1], o));
            }
        }
        return runs;
    }

    private static List<String> or(List<String> values, String otherwise) {
        return values.isEmpty() ? List.of(otherwise) : values;
    }

    public Map<String, Object> run(JavaSparkContext sc) {
        base.nativeSettings().apply();
        // read and checked before the study's folder is created, so bad input leaves nothing behind
        JavaRDD<CifarRecord> train = RecordInput.read(sc, base.data().train(), CifarSource.Role.TRAINING, base.data(),
                base.train().workers())
                .persist(StorageLevel.MEMORY_ONLY());
        JavaRDD<CifarRecord> test = RecordInput.read(sc, base.data().test(), CifarSource.Role.SCORING, base.data(),
                base.train().workers())
                .persist(StorageLevel.MEMORY_ONLY());
        long trainCount = train.count();
        test.count();
        OutputDir out = OutputDir.open(base.ops().out(), sc.hadoopConfiguration());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Run r : runs()) {
            if (only.isEmpty() || only.contains(r.name())) {
                Map<String, Object> row = train(sc, out, r);
                recomputed(sc, out, row, train, trainCount, test);
                rows.add(row);
            }
        }
        train.unpersist();
        test.unpersist();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("configuration", new java.util.TreeMap<>(base.effective()));
        report.put("threshold", threshold);
        report.put("runs", rows);
        List<Map<String, Object>> targets = sweep.on() ? ScalingTargets.sweepTargets(rows)
                : ScalingTargets.targets(rows, outerName());
        report.put("targets", targets);
        out.writeText("scaling.json", Metrics.toJson(report));
        System.out.println(table(rows, threshold));
        for (Map<String, Object> t : targets) {
            System.out.println(ScalingTargets.targetLine(t));
        }
        System.out.println("report: " + out.resolve("scaling.json"));
        return report;
    }

    /** Trains (or resumes, or finds finished) one run and reads its figures back from its own outputs. */
    private Map<String, Object> train(JavaSparkContext sc, OutputDir out, Run r) {
        Map<String, String> set = new LinkedHashMap<>(base.effective());
        OutputDir dir = OutputDir.inspect(out.resolve(r.name()).toString(), sc.hadoopConfiguration());
        set.put("out", dir.path().toString());
        set.put("train.workers", String.valueOf(r.workers()));
        set.put("train.partitioning", r.shards());
        set.put("train.outer", r.outer());
        if (r.h() > 0) {
            set.put("train.averaging.frequency", String.valueOf(r.h()));
        }
        if (r.sync() != null) {
            set.put("train.updater.sync", r.sync());
        }
        if (r.transfer() != null) {
            set.put("train.transfer", r.transfer());
        }
        if (r.outer().equals("average") || base.outer().step() == OuterStep.AVERAGE) {
            set.remove("train.outer.lr"); // plain averaging, or the outer optimizer's own defaults
            set.remove("train.outer.momentum");
        }
        if (r.workers() == 1) {
            // no-ops for one worker: its run is the same whatever the study's scaling settings, and is reused
            set.remove("train.lr.scaling");
            set.remove("train.lr.warmup.epochs");
        }
        JobConfig cfg = JobConfig.from(Map.of(), "scaling", set);
        LOG.info("scaling run {}: {} worker(s), {} shards, outer {}", r.name(), r.workers(), r.shards(),
                OuterOptimizer.of(cfg).describe());
        new Trainer(sc, cfg, false).run();
        return figures(dir, r, cfg);
    }

    /**
     * Whether the run's moving statistics describe its final weights: its test accuracy with BN statistics
     * recomputed over training records on those weights, and how far they moved (per BN layer, the mean over
     * channels of |ln(var_moving / var_recomputed)|).
     */
    private void recomputed(JavaSparkContext sc, OutputDir out, Map<String, Object> row, JavaRDD<CifarRecord> train,
                            long trainCount, JavaRDD<CifarRecord> test) {
        ComputationGraph net = ModelFiles.load(sc.hadoopConfiguration(),
                new org.apache.hadoop.fs.Path(out.resolve((String) row.get("name")), Trainer.MODEL).toString());
        Map<String, Double> distance = BnRecompute.apply(sc, net, train, trainCount, base.bn().recomputeSamples(),
                base.ops().evalBatch(), base.train().seed(), base.nativeSettings());
        row.put("final_accuracy_recomputed_bn",
                Evaluator.evaluate(sc, net, test, base.ops().evalBatch(), base.nativeSettings()).accuracy());
        row.put("bn_statistics_vs_recomputed", distance);
        row.put("bn_statistics_vs_recomputed_mean",
                distance.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> figures(OutputDir dir, Run r, JobConfig cfg) {
        List<Double> accuracy = new ArrayList<>();
        double outerSeconds = 0;
        double roundSeconds = 0;
        try {
            for (String line : dir.readText("metrics.jsonl").split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> m = JSON.readValue(line, Map.class);
                if ("evaluation".equals(m.get("type"))) {
                    accuracy.add(((Number) m.get("accuracy")).doubleValue());
                } else if ("round".equals(m.get("type"))) {
                    roundSeconds += ((Number) m.get("round_seconds")).doubleValue();
                    Object o = m.get("outer_seconds");
                    outerSeconds += o == null ? 0 : ((Number) o).doubleValue();
                }
            }
            Map<String, Object> metrics = JSON.readValue(dir.readText(RunDirectory.METRICS), Map.class);
            Map<String, Object> training = (Map<String, Object>) metrics.get("training");
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("workers", r.workers());
            row.put("shards", r.shards());
            row.put("outer", OuterOptimizer.of(cfg).describe());
            row.put("averaging_frequency", cfg.train().averagingFrequency());
            row.put("updater_sync", cfg.train().updaterSync().name().toLowerCase(Locale.ROOT));
            row.put("transfer", cfg.train().transfer().name().toLowerCase(Locale.ROOT));
            row.put("accuracy_by_evaluation", accuracy);
            row.put("final_accuracy", accuracy.isEmpty() ? null : accuracy.get(accuracy.size() - 1));
            int epochs = -1;
            for (int i = 0; i < accuracy.size(); i++) {
                if (accuracy.get(i) >= threshold) {
                    epochs = (i + 1) * Math.max(1, cfg.train().evalEveryEpochs());
                    break;
                }
            }
            row.put("epochs_to_threshold", epochs < 0 ? null : epochs);
            row.put("examples_per_second", training.get("examples_per_second"));
            row.put("outer_share_of_round_time", roundSeconds > 0 ? outerSeconds / roundSeconds : 0.0);
            return row;
        } catch (java.io.IOException e) {
            throw new io.mkcnn.store.OutputException(dir.path() + ": cannot read the run's metrics (" + e.getMessage()
                    + ")", e);
        }
    }

    @SuppressWarnings("unchecked")
    static String table(List<Map<String, Object>> rows, double threshold) {
        StringBuilder b = new StringBuilder(String.format("%-34s %-34s %8s %10s %8s %8s %10s %8s  %s%n", "run", "outer",
                "final", "BN recomp", "BN dist", "epochs", "examples/s", "outer %", "accuracy after each evaluation"));
        for (Map<String, Object> r : rows) {
            List<Double> acc = (List<Double>) r.get("accuracy_by_evaluation");
            b.append(String.format(Locale.ROOT, "%-34s %-34s %8s %10s %8s %8s %10.1f %8.2f  %s%n", r.get("name"),
                    r.get("outer"), Stats.percent((Double) r.get("final_accuracy")),
                    Stats.percent((Double) r.get("final_accuracy_recomputed_bn")),
                    r.get("bn_statistics_vs_recomputed_mean") == null ? "-" : String.format(Locale.ROOT, "%.4f",
                            ((Number) r.get("bn_statistics_vs_recomputed_mean")).doubleValue()),
                    r.get("epochs_to_threshold") == null ? "-" : r.get("epochs_to_threshold"),
                    ((Number) r.get("examples_per_second")).doubleValue(),
                    100 * ((Number) r.get("outer_share_of_round_time")).doubleValue(),
                    acc.stream().map(a -> String.format(Locale.ROOT, "%.1f", 100 * a)).toList()));
        }
        b.append(String.format(Locale.ROOT, "epochs: the first evaluation at or above %.1f%% test accuracy; BN recomp:"
                + " final accuracy with BN statistics recomputed on the final weights; BN dist: mean over BN layers of"
                + " |ln(var_moving / var_recomputed)|%n", 100 * threshold));
        return b.toString();
    }
}
