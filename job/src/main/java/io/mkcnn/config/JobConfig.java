package io.mkcnn.config;

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
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The whole, validated configuration of a training or evaluation run, in sections. Each key and its default is
 * declared once, in the section that reads it; {@link #from} reads them over a properties file and command-line
 * overrides and reports every problem at once.
 *
 * @param data where the records come from
 * @param train how the workers train and meet
 * @param model the network and its optimizer
 * @param bn batch normalisation and its reconciliation
 * @param outer the driver's outer step
 * @param ops where and how the run operates (outside the run's {@link #hash()})
 * @param effective every key with its effective value, as {@link #describe()} writes them
 * @param origin where each key given came from (a properties file's name, or "command line")
 */
public record JobConfig(DataConfig data, TrainConfig train, ModelConfig model, BnConfig bn, OuterConfig outer,
                        OpsConfig ops, Map<String, String> effective, Map<String, String> origin)
        implements Serializable {

    /** Keys added after earlier runs began, with the default that reproduces what those runs did. */
    private static final Map<String, String> ADDED_LATER = Map.of("train.transfer", "fp32",
            "train.updater.sync", "every", "train.updater.sync.rounds", "10", "data.format", "cifar10",
            "data.cifar100.labels", "fine", "data.image.column", "img", "data.label.column", "label",
            "data.validation", "", "data.validation.fraction", "0.0", "train.early.stop.patience", "0");

    /** Keys the job no longer reads, accepted only with the value files of earlier runs carry. */
    private static final List<String> RETIRED = List.of("debug.fail.after.rounds", "debug.nan.round");

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

    public JobConfig {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(bn, "bn");
        Objects.requireNonNull(outer, "outer");
        Objects.requireNonNull(ops, "ops");
        effective = Map.copyOf(effective);
        origin = Map.copyOf(origin);
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
        TrainConfig train = TrainConfig.read(s);
        JobConfig c = new JobConfig(DataConfig.read(s), train, ModelConfig.read(s), BnConfig.read(s),
                OuterConfig.read(s, train.workers()), OpsConfig.read(s), s.effective(), origin);
        if (c.train().earlyStopPatience() > 0 && !c.data().hasValidation()) {
            s.problem("train.early.stop.patience", String.valueOf(c.train().earlyStopPatience()), "early stopping "
                    + "watches the validation accuracy: set data.validation (--validation) or data.validation.fraction");
        } else if (c.train().earlyStopPatience() > 0 && c.train().evalEveryEpochs() == 0) {
            s.problem("train.early.stop.patience", String.valueOf(c.train().earlyStopPatience()), "early stopping "
                    + "watches the evaluations after epochs, and eval.every.epochs=0 makes none before the end: set "
                    + "eval.every.epochs to 1 or more");
        }
        // failure injection for tests is a hook now (train.RunFaults); runs saved before name these keys with 0
        for (String retired : RETIRED) {
            s.retired(retired, "0", "tests inject failures through the system property " + RUN_FAULTS_PROPERTY);
        }
        List<String> problems = new ArrayList<>(s.problems());
        for (String k : s.unknownKeys()) {
            problems.add(k + " (" + origin.getOrDefault(k, "?") + "): unknown configuration key");
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return c;
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

    /**
     * A problem with {@code key}'s value that only the data shows (a fraction that holds out nothing), reported as
     * every configuration problem is: {@code key=value (origin): rule}.
     */
    public InvalidConfigException problem(String key, String rule) {
        return new InvalidConfigException(Settings.line(key, effective.get(key), origin, rule));
    }

    /** Every configuration key with its default value. */
    public static Map<String, String> defaults() {
        return new TreeMap<>(from(Map.of(), "defaults", Map.of()).effective());
    }

    /** The keys of the operation section: those its reader asks an empty configuration for. */
    private static final class OpsKeys {
        static final Set<String> KEYS = opsKeys();

        private static Set<String> opsKeys() {
            Settings s = new Settings(Map.of(), Map.of());
            OpsConfig.read(s);
            return Set.copyOf(s.effective().keySet());
        }
    }

    /** Effective settings as sorted "key=value" lines, for logs and for saving beside the model. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        new TreeMap<>(effective).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    /** The native settings every JVM that trains or predicts for this run applies. */
    public NativeSettings nativeSettings() {
        return ops.nativeSettings();
    }

    public NetworkSpec networkSpec() {
        return NetworkSpec.cifar(model.factorised(), data.labelSet().size());
    }

    /**
     * The workers' peak learning rate: {@code model.lr} times 1, W or sqrt(W) for W workers
     * ({@code train.lr.scaling}).
     */
    public double peakLearningRate() {
        return model.lr() * switch (train.lrScaling()) {
            case NONE -> 1.0;
            case LINEAR -> train.workers();
            case SQRT -> Math.sqrt(train.workers());
        };
    }

    /**
     * Model options; {@code totalIterations} (every epoch's) sizes the cosine schedule and the warm-up, which
     * rises from {@code model.lr} to {@link #peakLearningRate()} over {@code train.lr.warmup.epochs}.
     */
    public ModelOptions modelOptions(long totalIterations) {
        long warmup = Math.round(train.warmupEpochs() * totalIterations / Math.max(1, train.epochs()));
        return new ModelOptions(model.head(), peakLearningRate(),
                model.lrSchedule() == LrSchedule.COSINE ? totalIterations : 0, model.l2(),
                bn.decay(), bn.eps(), train.seed(), DataType.FLOAT, model.layout(), warmup, model.lr());
    }

    /** The settings of {@code effective} that define a run's result (what {@link #hash()} digests). */
    private static Map<String, String> defining(Map<String, String> effective) {
        Map<String, String> defining = new TreeMap<>(effective);
        // keys added after runs were started count only when set otherwise, so those runs still resume
        ADDED_LATER.forEach((k, v) -> defining.remove(k, v));
        defining.keySet().removeAll(OpsKeys.KEYS);
        defining.keySet().removeAll(RETIRED);
        return defining;
    }

    /**
     * The run-defining keys whose values differ between a run's saved configuration ({@code config.properties}, as
     * {@link #describe()} wrote it) and this one, as "key: saved -> now" ("(unset)" for a key one side lacks; a key
     * added later shows the default runs had before it).
     */
    public List<String> differencesFrom(Map<String, String> saved) {
        Map<String, String> was = defining(saved);
        Map<String, String> now = defining(effective);
        TreeSet<String> keys = new TreeSet<>(was.keySet());
        keys.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (!Objects.equals(was.get(k), now.get(k))) {
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
     * A short hash of the settings that define a training run's result: the data, train, model, bn and outer
     * sections. The operation section (output locations, checkpointing, threads, precision, evaluation batch, the
     * lock's and the graceful stop's timings) is left out, so a rerun that only changes those still resumes.
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
