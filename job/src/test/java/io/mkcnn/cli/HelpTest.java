package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.ExitCode;
import io.mkcnn.command.SparkContexts;
import io.mkcnn.config.JobConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Help, version and argument errors: no Spark is started for any of them. */
class HelpTest {
    /** Exit code, stdout and stderr of a command line. */
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void topLevelHelpListsTheCommandsAndEveryExitCode() {
        Result r = run("--help");
        assertEquals(0, r.code(), r.err());
        for (String command : java.util.List.of("train", "evaluate", "predict", "generate", "download", "demo",
                "bench", "bn-study", "scaling")) {
            assertTrue(r.out().contains("  " + command + " "), command + " in:\n" + r.out());
        }
        for (ExitCode c : ExitCode.values()) {
            assertTrue(r.out().contains(String.format("%3d", c.code()) + "     " + c.meaning().substring(0, 20)),
                    c + " in:\n" + r.out());
        }
        assertTrue(r.out().contains("128+N"), r.out());
    }

    @Test
    void commandHelpShowsEveryOptionWithItsDefault() {
        Result r = run("train", "--help");
        assertEquals(0, r.code(), r.err());
        for (String option : new String[] {"--data", "--test", "--out", "--epochs", "--workers", "--conf", "--set",
            "--fresh"}) {
            assertTrue(r.out().contains(option), option + " in:\n" + r.out());
        }
        assertTrue(r.out().contains("epochs to train (default: 10)"), r.out());
        assertTrue(r.out().contains("(default: 2)"), r.out());
        // every configuration key with its default, as JobConfig declares them
        JobConfig.defaults().forEach((k, v) -> assertTrue(r.out().contains(k), k + " in:\n" + r.out()));
        assertTrue(r.out().matches("(?s).*train\\.averaging\\.frequency\\s+20\\n.*"), r.out());

        Result study = run("bn-study", "--help");
        assertTrue(study.out().contains("epochs to train (default: 4)"), "the study's own default: " + study.out());
        Result demo = run("demo", "--help");
        assertTrue(demo.out().contains("epochs to train (default: 3)"), demo.out());
        assertTrue(run("bench", "--help").out().contains("augment"), "the benchmark's cases are listed");
    }

    @Test
    void versionNamesTheJobAndItsStack() {
        Result r = run("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("mkcnn-job \\S+ \\(Spark 3\\.5\\.\\d+, DL4J 1\\.0\\.0-M2, .*\\)\\R"), r.out());
        assertEquals(0, run("train", "--version").code());
    }

    @Test
    void aMistypedOptionIsRefusedWithASuggestion() {
        Result r = run("train", "--epoch", "3", "--data", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("train: Unknown options: '--epoch', '3'"), r.err());
        assertTrue(r.err().contains("--epochs"), "suggests the right spelling: " + r.err());
        assertTrue(r.err().contains("'submit.sh train --help'"), r.err());
    }

    @Test
    void aMistypedCommandIsRefusedWithASuggestionAndTheUsage() {
        Result r = run("trian", "--data", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'trian'"), r.err());
        assertTrue(r.err().contains("train"), r.err());
        assertTrue(r.err().contains("usage: submit.sh"), r.err());
        Result none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("no command given"), none.err());
    }

    @Test
    void anOptionWithoutItsValueAndARepeatedOptionAreRefused() {
        Result r = run("train", "--data");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data"), r.err());
        Result twice = run("generate", "--out", "a", "--out", "b", "--records", "3");
        assertEquals(2, twice.code());
        assertTrue(twice.err().contains("--out"), twice.err());
        Result badSet = run("train", "--data", "a", "--test", "b", "--out", "c", "--set", "train.batch");
        assertEquals(2, badSet.code());
        assertTrue(badSet.err().contains("train: --set train.batch: expected key=value"), badSet.err());
    }

    /** The demo's epochs default (3) is the demo command's own, not a value the help's default provider sets. */
    @Test
    void theDemosEpochsDefaultIsItsOwn() {
        picocli.CommandLine.ParseResult r = Main.commandLine(SparkContexts.own(), text -> { }).parseArgs("demo", "--out", "/x");
        Commands.Demo demo = (Commands.Demo) r.subcommand().commandSpec().userObject();
        assertEquals("3", demo.epochs);
        r = Main.commandLine(SparkContexts.own(), text -> { }).parseArgs("demo", "--out", "/x", "--epochs", "5");
        assertEquals("5", ((Commands.Demo) r.subcommand().commandSpec().userObject()).epochs);
    }
}
