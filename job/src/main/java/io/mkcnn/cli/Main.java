package io.mkcnn.cli;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.DownloadException;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.kernels.UnsupportedPrecisionException;
import io.mkcnn.store.OutputException;
import io.mkcnn.train.NonFiniteRoundException;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of every subcommand. It only parses arguments, runs the command and maps its outcome to an
 * exit code ({@link ExitCode}); the commands do the work.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    static final String USAGE = String.join(System.lineSeparator(),
            "usage: submit.sh [spark options] COMMAND [options]",
            "  train     --data PATH --test PATH --out DIR [--epochs N] [--workers N] [--conf FILE] [--set key=value ...]",
            "            [--fresh]   (rerunning resumes an interrupted run; --fresh moves an existing run aside)",
            "  evaluate  --model DIR/model.zip --data PATH --out DIR [--conf FILE] [--set key=value ...]",
            "  predict   --model DIR/model.zip --data PATH --out DIR   (writes DIR/predictions.parquet)",
            "  generate  --out DIR --records N [--seed S]        (synthetic CIFAR-10-format data)",
            "  download  --out DIR [--url URL] [--md5 HEX]       (official cifar-10-binary.tar.gz)",
            "  demo      --out DIR [--records N] [--epochs N] [--set key=value ...]",
            "            (generates a synthetic dataset under DIR/data and trains on it)",
            "  bench     --out DIR [--reps N] [--workers N] [--cases augment,bnstats,ops,single,...]",
            "            (throughput benchmark: prints a table, writes DIR/bench.json)",
            "  bn-study  --data PATH --test PATH --out DIR [--epochs N] [--workers N] [--conf FILE]",
            "            [--set key=value ...]",
            "            (BN reconciliation study: 1 worker, IID and class-sorted shards x naive/pooled/recompute;",
            "            prints a table, writes DIR/study.json)");

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs a command line and returns its exit code; never calls System.exit. */
    public static int run(String... args) {
        if (args.length == 0) {
            System.err.println(USAGE);
            return ExitCode.INVALID_CONFIG.code();
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            Commands.run(command, rest);
            return ExitCode.SUCCESS.code();
        } catch (Throwable t) {
            return report(command, t).code();
        }
    }

    /** Runs a command line on an existing SparkContext (which is left running); for tests and embedding. */
    public static int runWith(org.apache.spark.api.java.JavaSparkContext sc, String... args) {
        Commands.supplied = sc;
        try {
            return run(args);
        } finally {
            Commands.supplied = null;
        }
    }

    /** Logs a failure the way a user should see it and chooses its exit code. */
    static ExitCode report(String command, Throwable t) {
        Throwable cause = find(t, InvalidConfigException.class, InvalidDataException.class, OutputException.class,
                NonFiniteRoundException.class, DownloadException.class, UnsupportedPrecisionException.class);
        if (cause instanceof InvalidConfigException e) {
            System.err.println("error: invalid configuration or arguments:");
            e.problems().forEach(p -> System.err.println("  " + p));
            if (e.problems().stream().anyMatch(p -> p.startsWith("unknown command"))) {
                System.err.println(USAGE);
            }
            return ExitCode.INVALID_CONFIG;
        }
        if (cause instanceof UnsupportedPrecisionException) {
            System.err.println("error: " + cause.getMessage());
            return ExitCode.INVALID_CONFIG;
        }
        if (cause instanceof OutputException) {
            System.err.println("error: " + cause.getMessage());
            return ExitCode.INVALID_CONFIG;
        }
        if (cause instanceof InvalidDataException) {
            System.err.println("error: invalid input data: " + cause.getMessage());
            return ExitCode.INVALID_INPUT;
        }
        if (cause instanceof NonFiniteRoundException) {
            System.err.println("error: training diverged: " + cause.getMessage());
            return ExitCode.DIVERGED;
        }
        if (cause instanceof DownloadException) {
            System.err.println("error: " + cause.getMessage());
            return ExitCode.FAILURE;
        }
        LOG.error("{} failed", command, t);
        System.err.println("error: " + command + " failed: " + t);
        return ExitCode.FAILURE;
    }

    /** The first throwable in the cause chain that is one of {@code types}, or null. */
    @SafeVarargs
    static Throwable find(Throwable t, Class<? extends Throwable>... types) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(c)) {
                    return c;
                }
            }
        }
        return null;
    }
}
