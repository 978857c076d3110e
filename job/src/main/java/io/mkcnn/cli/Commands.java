package io.mkcnn.cli;

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
            Commands.Generate.class, Commands.Download.class, Commands.Demo.class, StudyCommands.Bench.class,
            StudyCommands.Study.class, StudyCommands.ScalingStudy.class})
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

    /** A command that runs on Spark: the parser's factory gives it where its SparkContext comes from. */
    abstract static class SparkCommand implements Runnable {
        SparkContexts spark = SparkContexts.own();
    }

    static void require(String command, String option, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(command + ": missing required option " + option);
        }
    }

    /**
     * The local folder an {@code --out} of generate, download or demo names (a plain path or a {@code file:} URI);
     * any other filesystem is a problem (those commands write with local file I/O), as is a missing value.
     */
    static Path localDir(String command, String value, List<String> problems) {
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

    static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** Puts an option's value under its configuration key only when the user gave the option. */
    static void putIfGiven(CommandSpec spec, Map<String, String> m, String option, String key, String value) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
            m.put(key, value);
        }
    }

    static int positiveInt(String command, String name, String value, List<String> problems) {
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

    static long longValue(String command, String name, String value, List<String> problems) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            problems.add(command + ": --" + name + " " + value + ": expected an integer");
            return 0;
        }
    }
}
