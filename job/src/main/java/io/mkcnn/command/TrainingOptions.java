package io.mkcnn.command;

import static io.mkcnn.command.Args.put;
import static io.mkcnn.command.Args.putIfGiven;
import static io.mkcnn.command.Args.require;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options of the commands that train: the data, the output and the common configuration keys. */
public abstract class TrainingOptions extends SparkCommand {
    @Spec
    protected CommandSpec spec;

    @Option(names = "--data", paramLabel = "PATH",
            description = "required: training records, CIFAR-10 binary files (local, hdfs:// or s3a://; globs allowed)")
    String data;

    @Option(names = "--test", paramLabel = "PATH",
            description = "test records, as --data: scored at the end; required unless a validation set is given")
    String test;

    @Option(names = "--validation", paramLabel = "PATH", description = "held-out records, as --data: evaluated "
            + "after epochs, choosing best-model.zip (or hold out a fraction: --set data.validation.fraction=F)")
    String validation;

    @Option(names = "--out", paramLabel = "DIR",
            description = "required: the run's directory (checkpoints, model.zip, metrics.json, report.html)")
    String out;

    @Option(names = "--epochs", paramLabel = "N", description = "epochs to train (default: ${DEFAULT-VALUE})")
    String epochs;

    @Option(names = "--workers", paramLabel = "N",
            description = "Spark tasks training in parallel (default: ${DEFAULT-VALUE})")
    String workers;

    @Mixin
    protected ConfigOptions config = new ConfigOptions();

    /**
     * The overrides these options give, adding a problem for each missing required option. {@code --test} is
     * optional here: see {@link #requireTest} and {@link #requireTestOrValidation}.
     */
    protected Map<String, String> overrides(List<String> problems) {
        String name = spec.name();
        require(name, "--data", data, problems);
        require(name, "--out", out, problems);
        Map<String, String> overrides = new LinkedHashMap<>();
        put(overrides, "data.train", data);
        put(overrides, "data.test", test);
        put(overrides, "data.validation", validation);
        put(overrides, "out", out);
        putIfGiven(spec, overrides, "--epochs", "train.epochs", epochs);
        putIfGiven(spec, overrides, "--workers", "train.workers", workers);
        overrides.putAll(config.pairs(name, problems));
        return overrides;
    }

    /** For a command that scores the test records whatever else it does. */
    protected void requireTest(List<String> problems) {
        require(spec.name(), "--test", test, problems);
    }

    /**
     * A training run's configuration: {@code defaults}, {@code --conf}, then these options. The run evaluates on a
     * validation set, or else on the test records, so one of them must be given (on the command line, or in the
     * {@code --conf} file, checked once it is loaded).
     */
    protected JobConfig trainingConfiguration(Map<String, String> defaults) {
        List<String> problems = new ArrayList<>();
        Map<String, String> overrides = overrides(problems);
        String missing = spec.name() + ": missing required option --test (or a validation set: --validation PATH, "
                + "or --set data.validation.fraction=F)";
        boolean noTest = test == null || test.isBlank();
        if (noTest && config.conf == null && !overrides.containsKey("data.validation")
                && !overrides.containsKey("data.validation.fraction")) {
            problems.add(missing);
        }
        JobConfig cfg = JobConfig.load(config.conf, defaults, overrides, problems);
        if (cfg.data().test().isBlank() && !cfg.data().hasValidation()) {
            throw new InvalidConfigException(List.of(missing));
        }
        return cfg;
    }
}
