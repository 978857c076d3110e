package io.mkcnn.command;

import static io.mkcnn.command.Args.put;
import static io.mkcnn.command.Args.putIfGiven;
import static io.mkcnn.command.Args.require;

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

    @Mixin
    protected ConfigOptions config = new ConfigOptions();

    /** The overrides these options give, adding a problem for each missing required option. */
    protected Map<String, String> overrides(List<String> problems) {
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
