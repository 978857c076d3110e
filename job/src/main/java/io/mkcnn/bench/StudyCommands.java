package io.mkcnn.bench;

import static io.mkcnn.command.Args.positiveInt;
import static io.mkcnn.command.Args.put;
import static io.mkcnn.command.Args.putIfGiven;
import static io.mkcnn.command.Args.require;

import io.mkcnn.command.CommandSet;
import io.mkcnn.command.ConfigOptions;
import io.mkcnn.command.SparkCommand;
import io.mkcnn.command.TrainingOptions;
import io.mkcnn.config.JobConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The commands that measure and study rather than train: {@code bench}, {@code bn-study} and {@code scaling}. The
 * command line finds them through {@link java.util.ServiceLoader} ({@code META-INF/services}).
 */
public final class StudyCommands implements CommandSet {

    @Override
    public List<Class<?>> commands() {
        return List.of(Bench.class, Study.class, ScalingStudy.class);
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"Throughput benchmark on synthetic data: prints a table and writes DIR/bench.json.",
                "Compare figures measured in one sitting; a shared machine drifts between sittings."})
    public static final class Bench extends SparkCommand {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", paramLabel = "DIR", description = "required: directory for bench.json")
        String out;

        @Option(names = "--reps", paramLabel = "N", defaultValue = "3",
                description = "timed repetitions per case; the median is reported (default: ${DEFAULT-VALUE})")
        String reps;

        @Option(names = "--workers", paramLabel = "N",
                description = "Spark tasks of the spark cases (default: ${DEFAULT-VALUE})")
        String workers;

        @Option(names = "--cases", paramLabel = "LIST", split = ",",
                description = "comma-separated cases (default: all of ${COMPLETION-CANDIDATES})",
                completionCandidates = BenchCases.class)
        List<String> cases;

        @Option(names = "--round-workers", paramLabel = "LIST", split = ",", defaultValue = "1,2,4",
                description = "workers of the rounds case, each measured in turn (default: ${DEFAULT-VALUE}); "
                    + "more workers than task slots run in waves")
        List<String> roundWorkers;

        @picocli.CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("bench", "--out", out, problems);
            List<Integer> roundW = new ArrayList<>();
            for (String w : roundWorkers) {
                roundW.add(positiveInt("bench", "round-workers", w, problems));
            }
            int r = positiveInt("bench", "reps", reps, problems);
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "out", out);
            putIfGiven(spec, overrides, "--workers", "train.workers", workers);
            overrides.putAll(config.pairs("bench", problems));
            Set<String> chosen = cases == null ? Set.copyOf(Benchmark.CASES) : Set.copyOf(cases);
            for (String c : chosen) {
                if (!Benchmark.CASES.contains(c)) {
                    problems.add("bench: --cases " + c + ": expected a comma-separated list of " + Benchmark.CASES);
                }
            }
            JobConfig cfg = JobConfig.load(config.conf, Map.of(), overrides, problems);
            spark.with("mkcnn-bench", sc -> new Benchmark(sc, cfg, r, chosen, roundW).run());
        }
    }

    /** The benchmark's cases, for help. */
    public static final class BenchCases implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Benchmark.CASES.iterator();
        }
    }

    @Command(name = "bn-study", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"BN reconciliation study: 1 worker, IID and class-sorted shards x naive/pooled/recompute.",
                "Prints a table and writes DIR/study.json; finished runs are reused."})
    public static final class Study extends TrainingOptions implements CommandSet.ConfigDefaults {
        /** The study's own defaults, under --conf and --set: the configuration its reference figures used. */
        static final Map<String, String> DEFAULTS = Map.of("train.workers", "4", "train.averaging.frequency", "20",
                "model.lr", "0.0001", "train.epochs", "4", "train.outer", "average", "train.transfer", "fp32",
                "train.updater.sync", "every");

        @Override
        public Map<String, String> configDefaults() {
            return DEFAULTS;
        }

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            Map<String, String> overrides = overrides(problems);
            requireTest(problems);
            JobConfig cfg = JobConfig.load(config.conf, DEFAULTS, overrides, problems);
            spark.with("mkcnn-bn-study", sc -> new BnStudy(sc, cfg).run());
        }
    }

    @Command(name = "scaling", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"Scaling study: 1, 2 and 4 workers on IID shards and 4 on class-sorted shards, each with plain "
                + "averaging and the outer optimizer (train.outer, or nesterov).",
                "Study settings unless --conf/--set say otherwise: model.lr=0.0001, train.averaging.frequency=20, "
                + "train.outer=nesterov, train.lr.scaling=sqrt (one worker's run never scales), train.transfer=fp32, "
                + "train.updater.sync=every.",
                "Prints a table and writes DIR/scaling.json; finished runs are reused."})
    public static final class ScalingStudy extends SparkCommand implements CommandSet.ConfigDefaults {
        /**
         * The study's own defaults, under --conf and --set: the BN study's setting for 12 epochs, with the README's
         * recipe for several workers (nesterov outer step, square-root learning-rate scaling), every value sent in
         * fp32 and the optimizer state averaged every round (the sweep varies those).
         */
        static final Map<String, String> DEFAULTS = Map.of("train.averaging.frequency", "20", "model.lr", "0.0001",
                "train.epochs", "12", "train.outer", "nesterov", "train.lr.scaling", "sqrt", "train.transfer", "fp32",
                "train.updater.sync", "every");

        @Override
        public Map<String, String> configDefaults() {
            return DEFAULTS;
        }

        @Spec
        CommandSpec spec;

        @Option(names = "--data", paramLabel = "PATH", description = "required: training records, as for train")
        String data;

        @Option(names = "--test", paramLabel = "PATH", description = "required: test records, as --data")
        String test;

        @Option(names = "--out", paramLabel = "DIR", description = "required: the study's directory (one run each)")
        String out;

        @Option(names = "--epochs", paramLabel = "N", description = "epochs of every run (default: ${DEFAULT-VALUE})")
        String epochs;

        @Option(names = "--threshold", paramLabel = "P", defaultValue = "0.55",
                description = "test accuracy whose first epoch the table reports (default: ${DEFAULT-VALUE})")
        String threshold;

        @Option(names = "--runs", paramLabel = "NAME", split = ",",
                description = "only these runs, e.g. w1-iid,w4-iid-nesterov (default: all seven)")
        List<String> runs = new ArrayList<>();

        @Option(names = "--averaging", paramLabel = "H", split = ",",
                description = "the averaging-period sweep instead: 4 workers with the outer optimizer at each H, "
                    + "e.g. 10,20,50,100,200, for every combination of the three lists below")
        List<String> averaging = new ArrayList<>();

        @Option(names = "--updater-sync", paramLabel = "POLICY", split = ",",
                description = "sweep: train.updater.sync values, e.g. every,local (default: the configuration's)")
        List<String> syncs = new ArrayList<>();

        @Option(names = "--transfer", paramLabel = "PRECISION", split = ",",
                description = "sweep: train.transfer values, e.g. fp32,bf16 (default: the configuration's)")
        List<String> transfers = new ArrayList<>();

        @Option(names = "--shards", paramLabel = "KIND", split = ",",
                description = "sweep: train.partitioning values, e.g. iid,by_class (default: iid)")
        List<String> shards = new ArrayList<>();

        @picocli.CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("scaling", "--data", data, problems);
            require("scaling", "--test", test, problems);
            require("scaling", "--out", out, problems);
            double p = 0;
            try {
                p = Double.parseDouble(threshold.trim());
                if (!(p > 0 && p < 1)) {
                    problems.add("scaling: --threshold " + threshold + ": expected a number between 0 and 1");
                }
            } catch (NumberFormatException e) {
                problems.add("scaling: --threshold " + threshold + ": expected a number between 0 and 1");
            }
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "data.train", data);
            put(overrides, "data.test", test);
            put(overrides, "out", out);
            putIfGiven(spec, overrides, "--epochs", "train.epochs", epochs);
            overrides.putAll(config.pairs("scaling", problems));
            Scaling.Sweep sweep = sweepOf(averaging, syncs, transfers, shards, problems);
            JobConfig cfg = JobConfig.load(config.conf, DEFAULTS, overrides, problems);
            double chosen = p;
            List<String> only = runs.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
            Scaling study = new Scaling(cfg, chosen, only, sweep);
            spark.with("mkcnn-scaling", study::run);
        }
    }

    /** The sweep's lists, each value checked (problems named by option and value). */
    private static Scaling.Sweep sweepOf(List<String> averaging, List<String> syncs,
                                                        List<String> transfers, List<String> shards,
                                                        List<String> problems) {
        List<Integer> periods = new ArrayList<>();
        for (String h : averaging) {
            try {
                int v = Integer.parseInt(h.trim());
                if (v < 1) {
                    throw new NumberFormatException();
                }
                periods.add(v);
            } catch (NumberFormatException e) {
                problems.add("scaling: --averaging " + h + ": expected a whole number of minibatches >= 1");
            }
        }
        List<String> s = names("--updater-sync", syncs, io.mkcnn.config.UpdaterSync.values(), problems);
        List<String> t = names("--transfer", transfers, io.mkcnn.config.Transfer.values(), problems);
        List<String> k = names("--shards", shards, io.mkcnn.config.JobConfig.Partitioning.values(), problems);
        if (periods.isEmpty() && !(s.isEmpty() && t.isEmpty() && k.isEmpty())) {
            problems.add("scaling: --updater-sync, --transfer and --shards belong to the sweep: give --averaging too");
        }
        return new Scaling.Sweep(periods, s, t, k);
    }

    private static List<String> names(String option, List<String> given, Enum<?>[] allowed, List<String> problems) {
        List<String> names = java.util.Arrays.stream(allowed).map(e -> e.name().toLowerCase(java.util.Locale.ROOT))
                .toList();
        List<String> out = new ArrayList<>();
        for (String g : given) {
            String v = g.trim().toLowerCase(java.util.Locale.ROOT);
            if (names.contains(v)) {
                out.add(v);
            } else {
                problems.add("scaling: " + option + " " + g + ": expected one of " + String.join(", ", names));
            }
        }
        return out;
    }
}
