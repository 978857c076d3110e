package io.mkcnn.cli;

import static io.mkcnn.command.Args.localDir;
import static io.mkcnn.command.Args.longValue;
import static io.mkcnn.command.Args.positiveInt;
import static io.mkcnn.command.Args.put;
import static io.mkcnn.command.Args.putIfGiven;
import static io.mkcnn.command.Args.require;

import io.mkcnn.command.ConfigOptions;
import io.mkcnn.command.SparkCommand;
import io.mkcnn.command.SparkContexts;
import io.mkcnn.command.TrainingOptions;
import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarArchive;
import io.mkcnn.data.CifarDownloader;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.eval.EvaluateJob;
import io.mkcnn.eval.PredictJob;
import io.mkcnn.store.RunDirectory;
import io.mkcnn.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The subcommands, parsed by picocli. Options are taken as strings and validated by the job itself (through
 * {@link JobConfig} for configuration keys), so a bad value gets the same message on the command line as in a
 * properties file. An option that maps to a configuration key enters the overrides only when it was given: its
 * help default ({@link Main#defaults}) never hides a value from {@code --conf}.
 */
@Command(name = "submit.sh", synopsisHeading = "",
        customSynopsis = "usage: submit.sh [spark-submit options] COMMAND [options]",
        mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {"Trains a multi-kernel batch-normalised CNN on CIFAR-10 with DL4J parameter averaging on Spark.",
            "Spark options (--master, --conf k=v, --executor-memory, ...) come before COMMAND; "
                + "'submit.sh COMMAND --help' lists a command's options."},
        commandListHeading = "%nCommands:%n",
        subcommands = {Commands.Train.class, Commands.Evaluate.class, Commands.Predict.class,
            Commands.Generate.class, Commands.Download.class, Commands.Demo.class})
final class Commands implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new InvalidConfigException("no command given (expected one of "
                + String.join(", ", spec.subcommands().keySet()) + ")");
    }

    /**
     * Trains (or resumes) the run {@code cfg} describes; a new SparkContext's metrics are named after the run's id
     * (the one in {@code out}, or the new run's).
     */
    static void train(SparkContexts spark, String appName, JobConfig cfg, boolean fresh) {
        String runId = RunDirectory.runIdFor(cfg.ops().out(), spark.hadoopConfiguration(), fresh, Trainer.newRunId());
        spark.with(appName, SparkContexts.metricsNamespace(runId),
                sc -> new Trainer(sc, cfg, fresh).withNewRunId(runId).run());
    }

    @Command(name = "train", mixinStandardHelpOptions = true, synopsisHeading = "usage: ", sortOptions = false,
            description = {"Trains (or resumes, or recognises as finished) a run in --out.",
                "Rerunning the same command resumes an interrupted run from its newest readable checkpoint."})
    static final class Train extends TrainingOptions {
        @Option(names = "--fresh",
                description = "move an existing run in --out aside (to DIR.previous-TIMESTAMP) and start over")
        boolean fresh;

        @Override
        public void run() {
            train(spark, "mkcnn-train", trainingConfiguration(Map.of()), fresh);
        }
    }

    /** Options of the commands that score a saved model. */
    abstract static class Scoring extends SparkCommand {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", paramLabel = "FILE", description = "required: a model.zip written by train")
        String model;

        @Option(names = "--data", paramLabel = "PATH",
                description = "required: records to score (CIFAR-10 binary files)")
        String data;

        @Option(names = "--out", paramLabel = "DIR", description = "required: where to write the results")
        String out;

        @Mixin
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
            description = "Downloads and checks the official CIFAR-10 (or CIFAR-100) binary archive and unpacks it.")
    static final class Download implements Runnable {
        @Option(names = "--out", paramLabel = "DIR",
                description = "required: directory for the unpacked folder (cifar-10-batches-bin: data_batch_*.bin "
                        + "and test_batch.bin; cifar-100-binary: train.bin and test.bin)")
        String out;

        @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "cifar10",
                description = "cifar10 or cifar100 (train it with --set data.format=cifar100; default: "
                        + "${DEFAULT-VALUE})")
        String dataset;

        @Option(names = "--url", paramLabel = "URL",
                description = "default: the official archive (" + CifarDownloader.DEFAULT_URL + " for cifar10)")
        String url;

        @Option(names = "--md5", paramLabel = "HEX",
                description = "expected MD5 of the archive (default: the official archive's)")
        String md5;

        @Override
        public void run() {
            List<String> problems = new ArrayList<>();
            require("download", "--out", out, problems);
            Path dir = localDir("download", out, problems);
            CifarArchive archive = null;
            try {
                archive = CifarArchive.named(dataset);
            } catch (IllegalArgumentException e) {
                problems.add("download: --dataset " + dataset + ": expected cifar10 or cifar100");
            }
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            new CifarDownloader(archive, url, md5).download(dir);
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

        @Mixin
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
            train(spark, "mkcnn-demo", cfg, fresh);
        }
    }
}
