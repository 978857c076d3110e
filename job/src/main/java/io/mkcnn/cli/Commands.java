package io.mkcnn.cli;

import io.mkcnn.bench.Benchmark;
import io.mkcnn.bench.BnStudy;
import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarDownloader;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.eval.EvaluateJob;
import io.mkcnn.eval.PredictJob;
import io.mkcnn.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The subcommands, parsed by picocli. Options are taken as strings and validated by the job itself (through
 * {@link JobConfig} for configuration keys), so a bad value gets the same message on the command line as in a
 * properties file. An option that maps to a configuration key enters the overrides only when it was given: its
 * help default ({@link Main#defaults}) never hides a value from {@code --conf}.
 */
@Command(name = "submit.sh", synopsisHeading = "", customSynopsis = "usage: submit.sh [spark-submit options] COMMAND [options]",
        mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Trains a multi-kernel batch-normalised CNN on CIFAR-10 with DL4J parameter averaging on Spark.",
            "Spark options (--master, --conf k=v, --executor-memory, ...) come before COMMAND; "
                + "'submit.sh COMMAND --help' lists a command's options."},
        commandListHeading = "%nCommands:%n",
        subcommands = {Commands.Train.class, Commands.Evaluate.class, Commands.Predict.class,
            Commands.Generate.class, Commands.Download.class, Commands.Demo.class, Commands.Bench.class,
            Commands.Study.class, Commands.ScalingStudy.class})
final class Commands implements Runnable {
    /** The command names, in the order help lists them. */
    static final List<String> NAMES = List.of("train", "evaluate", "predict", "generate", "download", "demo",
            "bench", "bn-study", "scaling");

    @Override
    public void run() {
        throw new InvalidConfigException("no command given (expected one of " + String.join(", ", NAMES) + ")");
    }

    /** Options shared by the commands that read the job's configuration. */
    static class ConfigOptions {
        @Option(names = "--conf", paramLabel = "FILE",
                description = "properties file of configuration keys (see conf/job.properties); under --set")
        String conf;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "a configuration key, over --conf; repeatable (e.g. --set train.batch=128)")
        List<String> sets = new ArrayList<>();

        /** The --set pairs; a malformed one is a problem. */
        Map<String, String> pairs(String command, List<String> problems) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String s : sets) {
                int kv = s.indexOf('=');
                if (kv <= 0) {
                    problems.add(command + ": --set " + s + ": expected key=value");
                } else {
                    m.put(s.substring(0, kv).trim(), s.substring(kv + 1));
                }
            }
            return m;
        }
    }

    /** Options of the commands that train: the data, the output and the common configuration keys. */
    abstract static class Training extends SparkCommand {
        @Spec
        CommandSpec spec;

        @Option(names = "--data", paramLabel = "PATH",
                description = "required: training records, CIFAR-10 binary files (local, hdfs:// or s3a://; globs allowed)")
        String data;

        @Option(names = "--test", paramLabel = "PATH", description = "required: test records, as --data")
        String test;

        @Option(names = "--out", paramLabel = "DIR",
                description = "required: the run's directory (checkpoints, model.zip, metrics.json, report.html)")
        String out;

        @Option(names = "--epochs", paramLabel = "N", description = "epochs to train (default: ${DEFAULT-VALUE})")
        String epochs;

        @Option(names = "--workers", paramLabel = "N",
                description = "Spark tasks training in parallel (default: ${DEFAULT-VALUE})")
        String workers;

        @picocli.CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        /** The overrides these options give, adding a problem for each missing required option. */
        Map<String, String> overrides(List<String> problems) {
            String name = spec.name();
            require(name, "--data", data, problems);
            require(name, "--test", test, problems);
            require(name, "--out", out, problems);
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "data.train", data);
            put(overrides, "data.test", test);
            put(overrides, "out", out);
            putIfGiven(spec, overrides, "--epochs", "train.epochs", epochs);
            putIfGiven(spec, overrides, "--workers", "train.workers", workers);
            overrides.putAll(config.pairs(name, problems));
            return overrides;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"Trains (or resumes, or recognises as finished) a run in --out.",
                "Rerunning the same command resumes an interrupted run from its newest readable checkpoint."})
    static final class Train extends Training {
        @Option(names = "--fresh",
                description = "move an existing run in --out aside (to DIR.previous-TIMESTAMP) and start over")
        boolean fresh;

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            Map<String, String> overrides = overrides(problems);
            JobConfig cfg = JobConfig.load(config.conf, Map.of(), overrides, problems);
            spark.with("mkcnn-train", sc -> new Trainer(sc, cfg, fresh).run());
        }
    }

    /** Options of the commands that score a saved model. */
    abstract static class Scoring extends SparkCommand {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", paramLabel = "FILE", description = "required: a model.zip written by train")
        String model;

        @Option(names = "--data", paramLabel = "PATH", description = "required: records to score (CIFAR-10 binary files)")
        String data;

        @Option(names = "--out", paramLabel = "DIR", description = "required: where to write the results")
        String out;

        @picocli.CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        JobConfig scoringConfig() {
            List<String> problems = new ArrayList<>();
            String name = spec.name();
            require(name, "--model", model, problems);
            require(name, "--data", data, problems);
            require(name, "--out", out, problems);
            Map<String, String> overrides = new LinkedHashMap<>();
            put(overrides, "data.test", data);
            put(overrides, "out", out);
            overrides.putAll(config.pairs(name, problems));
            return JobConfig.load(config.conf, Map.of(), overrides, problems);
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = "Scores a saved model on labelled records: DIR/metrics.json (accuracy, per class, confusion).")
    static final class Evaluate extends Scoring {
        @Override
        public void run() {
            JobConfig cfg = scoringConfig();
            spark.with("mkcnn-evaluate", sc -> new EvaluateJob(sc, cfg, model).run());
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = "Writes a saved model's predictions for records: DIR/predictions.parquet.")
    static final class Predict extends Scoring {
        @Override
        public void run() {
            JobConfig cfg = scoringConfig();
            spark.with("mkcnn-predict", sc -> new PredictJob(sc, cfg, model).run());
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = "Writes synthetic CIFAR-10-format data (learnable classes) for trials and tests.")
    static final class Generate implements Runnable {
        @Option(names = "--out", paramLabel = "DIR", description = "required: directory for the synthetic_*.bin files")
        String out;

        @Option(names = "--records", paramLabel = "N", description = "required: training records to write")
        String records;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
        String seed;

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("generate", "--out", out, problems);
            require("generate", "--records", records, problems);
            int n = records == null ? 1 : positiveInt("generate", "records", records, problems);
            long s = longValue("generate", "seed", seed, problems);
            Path dir = localDir("generate", out, problems);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            SyntheticCifar.write(dir, n, s);
        }
    }

    @Command(name = "download", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = "Downloads and checks the official CIFAR-10 binary archive and unpacks its batches.")
    static final class Download implements Runnable {
        @Option(names = "--out", paramLabel = "DIR", description = "required: directory for data_batch_*.bin and test_batch.bin")
        String out;

        @Option(names = "--url", paramLabel = "URL", defaultValue = CifarDownloader.DEFAULT_URL,
                description = "default: ${DEFAULT-VALUE}")
        String url;

        @Option(names = "--md5", paramLabel = "HEX", defaultValue = CifarDownloader.DEFAULT_MD5,
                description = "expected MD5 of the archive (default: ${DEFAULT-VALUE})")
        String md5;

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("download", "--out", out, problems);
            Path dir = localDir("download", out, problems);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            new CifarDownloader(url, md5).download(dir);
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = "Generates a synthetic dataset under DIR/data and trains on it into DIR/run.")
    static final class Demo extends SparkCommand {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", paramLabel = "DIR", description = "required: directory for data/ and run/")
        String out;

        @Option(names = "--records", paramLabel = "N", defaultValue = "6000",
                description = "synthetic training records (default: ${DEFAULT-VALUE})")
        String records;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "3",
                description = "epochs to train (default: ${DEFAULT-VALUE})")
        String epochs;

        @Option(names = "--workers", paramLabel = "N",
                description = "Spark tasks training in parallel (default: ${DEFAULT-VALUE})")
        String workers;

        @Option(names = "--fresh", description = "move an existing run in DIR/run aside and start over")
        boolean fresh;

        @picocli.CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("demo", "--out", out, problems);
            int n = positiveInt("demo", "records", records, problems);
            Path home = localDir("demo", out, problems);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            Path dataDir = home.resolve("data");
            if (!Files.isDirectory(dataDir)) {
                SyntheticCifar.write(dataDir, n, 1L);
            }
            Map<String, String> overrides = new LinkedHashMap<>();
            overrides.put("data.train", io.mkcnn.store.StorePaths.globEscape(dataDir.toString())
                    + "/synthetic_batch_*.bin");
            overrides.put("data.test", dataDir.resolve("synthetic_test_batch.bin").toString());
            overrides.put("out", home.resolve("run").toString());
            overrides.put("train.epochs", epochs);
            putIfGiven(spec, overrides, "--workers", "train.workers", workers);
            overrides.putAll(config.pairs("demo", problems));
            JobConfig cfg = JobConfig.load(config.conf, Map.of(), overrides, problems);
            spark.with("mkcnn-demo", sc -> new Trainer(sc, cfg, fresh).run());
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"Throughput benchmark on synthetic data: prints a table and writes DIR/bench.json.",
                "Compare figures measured in one sitting; a shared machine drifts between sittings."})
    static final class Bench extends SparkCommand {
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
    static final class BenchCases implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Benchmark.CASES.iterator();
        }
    }

    @Command(name = "bn-study", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"BN reconciliation study: 1 worker, IID and class-sorted shards x naive/pooled/recompute.",
                "Prints a table and writes DIR/study.json; finished runs are reused."})
    static final class Study extends Training {
        /** The study's own defaults, under --conf and --set: the configuration its reference figures used. */
        static final Map<String, String> DEFAULTS = Map.of("train.workers", "4", "train.averaging.frequency", "20",
                "model.lr", "0.0001", "train.epochs", "4", "train.outer", "average", "train.transfer", "fp32",
                "train.updater.sync", "every");

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            Map<String, String> overrides = overrides(problems);
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
    static final class ScalingStudy extends SparkCommand {
        /**
         * The study's own defaults, under --conf and --set: the BN study's setting for 12 epochs, with the README's
         * recipe for several workers (nesterov outer step, square-root learning-rate scaling), every value sent in
         * fp32 and the optimizer state averaged every round (the sweep varies those).
         */
        static final Map<String, String> DEFAULTS = Map.of("train.averaging.frequency", "20", "model.lr", "0.0001",
                "train.epochs", "12", "train.outer", "nesterov", "train.lr.scaling", "sqrt", "train.transfer", "fp32",
                "train.updater.sync", "every");

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
            io.mkcnn.bench.Scaling.Sweep sweep = sweepOf(averaging, syncs, transfers, shards, problems);
            JobConfig cfg = JobConfig.load(config.conf, DEFAULTS, overrides, problems);
            double chosen = p;
            List<String> only = runs.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
            io.mkcnn.bench.Scaling study = new io.mkcnn.bench.Scaling(cfg, chosen, only, sweep);
            spark.with("mkcnn-scaling", study::run);
        }
    }

    /** The sweep's lists, each value checked (problems named by option and value). */
    private static io.mkcnn.bench.Scaling.Sweep sweepOf(List<String> averaging, List<String> syncs,
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
        return new io.mkcnn.bench.Scaling.Sweep(periods, s, t, k);
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

    /** A command that runs on Spark: the parser's factory gives it where its SparkContext comes from. */
    abstract static class SparkCommand implements Runnable {
        SparkContexts spark = SparkContexts.own();
    }

    private static void require(String command, String option, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(command + ": missing required option " + option);
        }
    }

    /**
     * The local folder an {@code --out} of generate, download or demo names (a plain path or a {@code file:} URI);
     * any other filesystem is a problem (those commands write with local file I/O), as is a missing value.
     */
    private static Path localDir(String command, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new org.apache.hadoop.fs.Path(value).toUri();
        } catch (IllegalArgumentException e) {
            return Path.of(value); // not a URI at all: a local name
        }
        if (uri.getScheme() == null) {
            return Path.of(value);
        }
        if (uri.getScheme().equals("file")) {
            return Path.of(uri.getPath());
        }
        problems.add(command + ": --out " + value + ": expected a local folder (" + command + " writes with local "
                + "file I/O); write locally, then copy it (e.g. hdfs dfs -put, aws s3 cp --recursive)");
        return null;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** Puts an option's value under its configuration key only when the user gave the option. */
    private static void putIfGiven(CommandSpec spec, Map<String, String> m, String option, String key, String value) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
            m.put(key, value);
        }
    }

    private static int positiveInt(String command, String name, String value, List<String> problems) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // reported below
        }
        if (value != null) {
            problems.add(command + ": --" + name + " " + value + ": expected a positive integer");
        }
        return 1;
    }

    private static long longValue(String command, String name, String value, List<String> problems) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            problems.add(command + ": --" + name + " " + value + ": expected an integer");
            return 0;
        }
    }
}
