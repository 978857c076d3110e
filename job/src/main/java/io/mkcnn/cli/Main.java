package io.mkcnn.cli;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;
import io.mkcnn.command.CommandSet;
import io.mkcnn.command.SparkCommand;
import io.mkcnn.command.SparkContexts;
import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.runtime.YarnAttempt;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of every subcommand. It only parses arguments (picocli, {@link Commands}), runs the command and
 * maps its outcome to an exit code ({@link ExitCode}); the commands do the work.
 */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /**
     * Runs a command line and exits with its code. As the driver of a YARN cluster-mode application, a failure
     * that a retry would repeat (see {@link ExitCode#retryable}), or any failure of the last attempt, first ends
     * the application as FAILED with the error's text as YARN's diagnostics: Spark's ApplicationMaster would leave
     * the attempt for YARN to retry, with "Shutdown hook called before final status was reported" as the reason.
     */
    public static void main(String[] args) {
        StringBuilder failure = new StringBuilder();
        int code = commandLine(SparkContexts.own(), failure::append).execute(args);
        if (code != 0) {
            endYarnApplication(code, failure.toString());
            System.exit(code);
        }
    }

    private static void endYarnApplication(int code, String failure) {
        try {
            YarnAttempt attempt = YarnAttempt.ofThisDriver().orElse(null);
            if (attempt == null) {
                return;
            }
            if (ExitCode.retryable(code) && !attempt.isLast()) {
                LOG.info("exit code {}: YARN may start another attempt after {}", code, attempt.id());
            } else {
                attempt.fail("exit code " + code + ": " + failure.strip());
            }
        } catch (Exception | LinkageError e) {
            LOG.warn("could not end the YARN application as FAILED; YARN may retry it", e);
        }
    }

    /** Runs a command line and returns its exit code; never calls System.exit. */
    public static int run(String... args) {
        return commandLine(SparkContexts.own(), text -> { }).execute(args);
    }

    /**
     * The parser of every command, with the job's defaults in help, its exit codes and its error handling; the
     * commands that run on Spark get their context from {@code contexts}, and {@code failures} receives the text of
     * an error the user is shown.
     */
    static CommandLine commandLine(SparkContexts contexts, Consumer<String> failures) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K command = CommandLine.defaultFactory().create(type);
                if (command instanceof SparkCommand c) {
                    c.contexts(contexts);
                }
                return command;
            }
        };
        CommandLine cl = new CommandLine(new Commands(), factory);
        // the benchmark and the studies, where the runtime has them; nothing here names them
        for (CommandSet set : ServiceLoader.load(CommandSet.class, Main.class.getClassLoader())) {
            set.commands().forEach(cl::addSubcommand);
        }
        cl.setDefaultValueProvider(Main::defaults);
        Map<String, String> codes = new LinkedHashMap<>();
        for (ExitCode c : ExitCode.values()) {
            codes.put(String.format("%3d", c.code()), c.meaning());
        }
        codes.put(ExitCode.SECOND_SIGNAL, "a second SIGTERM/SIGINT: exit at once (resume from the last checkpoint)");
        List<CommandLine> all = new ArrayList<>(List.of(cl));
        all.addAll(cl.getSubcommands().values());
        StringBuilder keys = new StringBuilder();
        JobConfig.defaults().forEach((k, v) -> keys.append(String.format("  %-28s %s%n", k, v.isEmpty()
                ? "(none)" : v)));
        for (CommandLine c : all) {
            c.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
            if (c.getCommandSpec().findOption("--set") != null) {
                // '%' in a value would be read as a format specifier by picocli
                c.getCommandSpec().usageMessage().footerHeading("%nConfiguration keys for --set and --conf, with "
                        + "their defaults (conf/job.properties explains each):%n")
                        .footer(keys.toString().replace("%", "%%"));
            }
        }
        cl.setParameterExceptionHandler((e, args) -> {
            failures.accept(e.getMessage());
            return badArguments(e, args);
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            ExitCode code = report(c.getCommandName(), e, failures);
            if (e instanceof InvalidConfigException i && i.problems().stream()
                    .anyMatch(p -> p.startsWith("no command given"))) {
                System.err.print(c.getUsageMessage());
            }
            return code.code();
        });
        return cl;
    }

    /** Help's default of an option that sets a configuration key: the command's own default, else the job's. */
    private static String defaults(picocli.CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof picocli.CommandLine.Model.OptionSpec o) || o.defaultValue() != null) {
            return null; // an option's own default (the demo's --epochs) is its command's to declare
        }
        String key = switch (o.longestName()) {
            case "--epochs" -> "train.epochs";
            case "--workers" -> "train.workers";
            default -> null;
        };
        if (key == null) {
            return null;
        }
        if (arg.command().userObject() instanceof CommandSet.ConfigDefaults own
                && own.configDefaults().containsKey(key)) {
            return own.configDefaults().get(key);
        }
        return JobConfig.defaults().get(key);
    }

    /** Unknown commands and options, missing option values: exit 2 with picocli's suggestions. */
    private static int badArguments(ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        boolean top = c.getParent() == null;
        PrintWriter err = new PrintWriter(System.err, true);
        err.println("error: invalid configuration or arguments:");
        if (top && e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            err.println("  unknown command '" + u.getUnmatched().get(0) + "' (expected one of "
                    + String.join(", ", c.getSubcommands().keySet()) + ")");
            UnmatchedArgumentException.printSuggestions(e, err);
            err.print(c.getUsageMessage());
        } else {
            err.println("  " + (top ? "" : c.getCommandName() + ": ") + e.getMessage());
            UnmatchedArgumentException.printSuggestions(e, err);
            err.println("  ('submit.sh " + (top ? "" : c.getCommandName() + " ") + "--help' lists every option)");
        }
        err.flush();
        return ExitCode.INVALID_CONFIG.code();
    }

    /** Runs a command line on an existing SparkContext (which is left running); for tests and embedding. */
    public static int runWith(org.apache.spark.api.java.JavaSparkContext sc, String... args) {
        return commandLine(SparkContexts.supplied(sc), text -> { }).execute(args);
    }

    /**
     * Logs a failure the way a user should see it and chooses its exit code: the first {@link JobException} in
     * the cause chain says both; anything else is an unexpected error, logged with its stack trace.
     */
    static ExitCode report(String command, Throwable t) {
        return report(command, t, text -> { });
    }

    /** As above; {@code shown} also receives the text printed. */
    private static ExitCode report(String command, Throwable t, Consumer<String> shown) {
        JobException e = jobException(t);
        String text = e != null ? e.report() : "error: " + command + " failed: " + t;
        if (e == null) {
            LOG.error("{} failed", command, t);
        }
        System.err.println(text);
        shown.accept(text);
        return e != null ? e.exitCode() : ExitCode.FAILURE;
    }

    /** The first {@link JobException} in the cause chain, or null. */
    private static JobException jobException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof JobException e) {
                return e;
            }
        }
        return null;
    }
}
