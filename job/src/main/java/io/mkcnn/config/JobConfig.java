package io.mkcnn.config;

import io.mkcnn.kernels.Precision;
import io.mkcnn.model.Head;
import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.NetworkSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The whole, validated configuration of a training or evaluation run. Defaults are declared here once;
 * {@link #from} reads them over a properties file and command-line overrides and reports every problem at once.
 */
public record JobConfig(
        String trainData, String testData, String out,
        int epochs, int workers, int batchPerWorker, int averagingFrequency,
        TrainingApproach approach, Partitioning partitioning, String exportDir, long seed, int threads, Precision precision,
        int evalBatch, boolean factorised, CNN2DFormat layout, Head head, double learningRate, LrSchedule lrSchedule, double l2,
        double bnDecay, double bnEps, BnMode bnMode, int recomputeSamples,
        int checkpointEveryRounds, int checkpointKeep, int evalEveryEpochs,
        int lockStaleSeconds, int stopGraceSeconds,
        OuterStep outer, double outerLr, double outerMomentum, LrScaling lrScaling, double warmupEpochs,
        Transfer transfer, UpdaterSync updaterSync, int updaterSyncRounds,
        Map<String, String> effective) implements Serializable {

    /** Keys added after earlier runs began, with the default that reproduces what those runs did. */
    private static final Map<String, String> ADDED_LATER = Map.of("train.transfer", "fp32",
            "train.updater.sync", "every", "train.updater.sync.rounds", "10");

    /** Minibatches per worker between averagings unless configured. */
    public static final int DEFAULT_AVERAGING_FREQUENCY = 20;

    /** The system property that names a test's failure-injection hook (see {@code train.RunFaults}). */
    public static final String RUN_FAULTS_PROPERTY = "mkcnn.run.faults";

    /** How the learning rate grows with the number of workers. */
    public enum LrScaling { NONE, LINEAR, SQRT }

    /** Learning-rate schedules offered. */
    public enum LrSchedule { CONSTANT, COSINE }

    /** How training records are dealt to the workers. */
    public enum Partitioning {
        /** Evenly and independently of the label: every worker sees every class in the data's proportions. */
        IID,
        /** Sorted by label and cut into equal contiguous ranges: each worker sees only a few classes. For studies of
         *  non-IID data (see the BN study); a production run wants {@code iid}. */
        BY_CLASS,
        /** Every label wholly on one worker (contiguous label ranges, so shares differ in size when the workers do
         *  not divide the classes): each worker sees only its own classes. For studies, like {@code by_class}. */
        BY_LABEL
    }

    /**
     * Builds the configuration from settings, in increasing priority: defaults, {@code file} values, {@code overrides}.
     *
     * @param file values from the properties file, or empty
     * @param fileName name of that file, for messages
     * @param overrides values from the command line
     * @throws InvalidConfigException listing every unknown key and invalid value
     */
    public static JobConfig from(Map<String, String> file, String fileName, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>(file);
        Map<String, String> origin = new LinkedHashMap<>();
        file.keySet().forEach(k -> origin.put(k, fileName));
        values.putAll(overrides);
        overrides.keySet().forEach(k -> origin.put(k, "command line"));
        Settings s = new Settings(values, origin);
        int workers = s.intValue("train.workers", 2, 1, 10_000);
        Partitioning partitioning = s.enumValue("train.partitioning", Partitioning.IID);
        // several workers: the averaging-period study's recommendation (docs/scaling.md, "The averaging-period
        // sweep"), with Adam's state kept on the executors only for IID shards (on class-sorted ones it costs 8
        // points); one worker: nothing to average, so the plain steps
        boolean several = workers > 1;
        UpdaterSync sync = several && partitioning == Partitioning.IID ? UpdaterSync.LOCAL : UpdaterSync.EVERY;
        OuterStep outer = s.enumValue("train.outer",
                several ? OuterStep.NESTEROV : OuterStep.AVERAGE);

        JobConfig c = new JobConfig(
                s.string("data.train", ""), s.string("data.test", ""), s.string("out", ""),
                s.intValue("train.epochs", 10, 1, 100_000),
                workers,
                s.intValue("train.batch", 64, 1, 65_536),
                s.intValue("train.averaging.frequency", DEFAULT_AVERAGING_FREQUENCY, 1, 1_000_000),
                s.enumValue("train.approach", TrainingApproach.STREAM),
                partitioning,
                s.string("train.export.dir", ""),
                s.longValue("train.seed", 42),
                s.intValue("runtime.threads", 0, 0, 1024),
                s.enumValue("model.precision", Precision.AUTO),
                s.intValue("eval.batch", 256, 1, 65_536),
                s.bool("model.factorised", false),
                s.enumValue("model.layout", CNN2DFormat.NHWC),
                s.enumValue("model.head", Head.LINEAR),
                s.positiveDouble("model.lr", 1e-3),
                s.enumValue("model.lr.schedule", LrSchedule.CONSTANT),
                s.doubleValue("model.l2", 0.0, 0.0, 1.0),
                s.doubleValue("bn.decay", 0.9, 0.0, 0.999),
                s.positiveDouble("bn.eps", 1e-3),
                s.enumValue("bn.mode", BnMode.POOLED),
                s.intValue("bn.recompute.samples", 8192, 1, 100_000_000),
                s.intValue("checkpoint.every.rounds", 10, 1, 1_000_000),
                s.intValue("checkpoint.keep", 3, 1, 1000),
                s.intValue("eval.every.epochs", 1, 0, 100_000),
                s.intValue("run.lock.stale.seconds", 60, 2, 86_400),
                s.intValue("stop.grace.seconds", 20, 0, 86_400),
                outer,
                // the references' settings: SlowMo alpha 1 (beta tuned in 0..0.6), DiLoCo outer lr 0.7, momentum 0.9
                s.doubleValue("train.outer.lr", outer == OuterStep.NESTEROV ? 0.7 : 1.0, 0.0, 100.0),
                s.doubleValue("train.outer.momentum", outer == OuterStep.NESTEROV ? 0.9
                        : outer == OuterStep.MOMENTUM ? 0.5 : 0.0, 0.0, 0.999),
                s.enumValue("train.lr.scaling", LrScaling.NONE),
                s.doubleValue("train.lr.warmup.epochs", 0.0, 0.0, 10_000.0),
                s.enumValue("train.transfer", several ? Transfer.BF16 : Transfer.FP32),
                s.enumValue("train.updater.sync", sync),
                s.intValue("train.updater.sync.rounds", 10, 1, 1_000_000),
                Map.of());
        // failure injection for tests is a hook now (train.RunFaults); runs saved before name these keys with 0
        for (String retired : List.of("debug.fail.after.rounds", "debug.nan.round")) {
            s.retired(retired, "0", "tests inject failures through the system property " + RUN_FAULTS_PROPERTY);
        }
        List<String> problems = new ArrayList<>(s.problems());
        for (String k : s.unknownKeys()) {
            problems.add(k + " (" + origin.getOrDefault(k, "?") + "): unknown configuration key");
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return c.withEffective(s.effective());
    }

    /**
     * The configuration of a command line: {@code defaults} (a command's own, under the job's), the properties
     * file {@code confFile} if any, then {@code overrides}.
     *
     * @param problems problems the command line already found; reported with the configuration's own
     * @throws InvalidConfigException naming every problem: a missing or unreadable file, unknown keys, bad values
     */
    public static JobConfig load(String confFile, Map<String, String> defaults, Map<String, String> overrides,
                                 List<String> problems) {
        Map<String, String> file = new LinkedHashMap<>(defaults);
        if (confFile != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(confFile))) {
                p.load(r);
                p.stringPropertyNames().forEach(k -> file.put(k, p.getProperty(k)));
            } catch (NoSuchFileException e) {
                problems.add("--conf " + confFile + ": no such file");
            } catch (IOException | IllegalArgumentException e) {
                problems.add("--conf " + confFile + ": cannot read (" + e.getMessage() + ")");
            }
        }
        try {
            JobConfig cfg = JobConfig.from(file, confFile == null ? "defaults" : confFile, overrides);
            if (!problems.isEmpty()) {
                throw new InvalidConfigException(problems);
            }
            return cfg;
        } catch (InvalidConfigException e) {
            List<String> all = new ArrayList<>(problems);
            all.addAll(e.problems().stream().filter(p -> !problems.contains(p)).toList());
            throw new InvalidConfigException(all);
        }
    }

    /** Every configuration key with its default value. */
    public static Map<String, String> defaults() {
        return new java.util.TreeMap<>(from(Map.of(), "defaults", Map.of()).effective());
    }

    private JobConfig withEffective(Map<String, String> eff) {
        return new JobConfig(trainData, testData, out, epochs, workers, batchPerWorker, averagingFrequency,
                approach, partitioning, exportDir, seed, threads, precision, evalBatch, factorised, layout, head, learningRate, lrSchedule,
                l2, bnDecay, bnEps, bnMode, recomputeSamples, checkpointEveryRounds, checkpointKeep, evalEveryEpochs,
                lockStaleSeconds, stopGraceSeconds, outer, outerLr, outerMomentum,
                lrScaling, warmupEpochs, transfer, updaterSync, updaterSyncRounds,
                Map.copyOf(new LinkedHashMap<>(eff)));
    }


    /** The native settings every JVM that trains or predicts for this run applies. */
    public NativeSettings nativeSettings() {
        return new NativeSettings(threads, precision);
    }

    public NetworkSpec networkSpec() {
        return NetworkSpec.cifar(factorised);
    }

    /**
     * The workers' peak learning rate: {@code model.lr} times 1, W or sqrt(W) for W workers
     * ({@code train.lr.scaling}).
     */
    public double peakLearningRate() {
        return learningRate * switch (lrScaling) {
            case NONE -> 1.0;
            case LINEAR -> workers;
            case SQRT -> Math.sqrt(workers);
        };
    }

    /**
     * Model options; {@code totalIterations} (every epoch's) sizes the cosine schedule and the warm-up, which
     * rises from {@code model.lr} to {@link #peakLearningRate()} over {@code train.lr.warmup.epochs}.
     */
    public ModelOptions modelOptions(long totalIterations) {
        long warmup = Math.round(warmupEpochs * totalIterations / Math.max(1, epochs));
        return new ModelOptions(head, peakLearningRate(), lrSchedule == LrSchedule.COSINE ? totalIterations : 0, l2,
                bnDecay, bnEps, seed, DataType.FLOAT, layout, warmup, learningRate);
    }

    /** Effective settings as sorted "key=value" lines, for logs and for saving beside the model. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(effective).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    /** The settings of {@code effective} that define a run's result (what {@link #hash()} digests). */
    private static Map<String, String> defining(Map<String, String> effective) {
        Map<String, String> defining = new java.util.TreeMap<>(effective);
        // keys added after runs were started count only when set otherwise, so those runs still resume
        ADDED_LATER.forEach((k, v) -> defining.remove(k, v));
        defining.remove("out");
        defining.remove("train.export.dir");
        defining.keySet().removeIf(k -> k.startsWith("debug.") || k.startsWith("checkpoint.") || k.startsWith("run.")
                || k.startsWith("stop.")
                || k.equals("runtime.threads") || k.equals("model.precision") || k.equals("eval.batch"));
        return defining;
    }

    /**
     * The run-defining keys whose values differ between a run's saved configuration ({@code config.properties}, as
     * {@link #describe()} wrote it) and this one, as "key: saved -> now" ("(unset)" for a key one side lacks; a key added
     * later shows the default runs had before it).
     */
    public List<String> differencesFrom(Map<String, String> saved) {
        Map<String, String> was = defining(saved);
        Map<String, String> now = defining(effective);
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(was.keySet());
        keys.addAll(now.keySet());
        List<String> out = new java.util.ArrayList<>();
        for (String k : keys) {
            if (!java.util.Objects.equals(was.get(k), now.get(k))) {
                out.add(k + ": " + valueOf(was, k) + " -> " + valueOf(now, k));
            }
        }
        return out;
    }

    /** A defining value as a run used it: a key added later that is not there had its earlier default. */
    private static String valueOf(Map<String, String> defining, String key) {
        return defining.getOrDefault(key, ADDED_LATER.getOrDefault(key, "(unset)"));
    }

    /**
     * A short hash of the settings that define a training run's result: output locations, checkpointing,
     * thread counts, the convolutions' precision (auto picks per machine), evaluation batch size, the lock's and the
     * graceful stop's timings and test-only failure injection are excluded, so a rerun that only changes those still
     * resumes.
     */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(defining(effective).toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
