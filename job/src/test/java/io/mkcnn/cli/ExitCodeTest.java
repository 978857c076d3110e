package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.ExitCode;
import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.data.DownloadException;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.kernels.UnsupportedPrecisionException;
import io.mkcnn.store.OutputException;
import io.mkcnn.store.RunLockedException;
import io.mkcnn.train.NonFiniteRoundException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exit codes are an interface for schedulers: their numbers are pinned here, and the README's table must list
 * exactly these. The end-to-end tests produce each one from a command line (MainTest, BadInputTest: 2, 3;
 * ResumeTest: 1, 4; GracefulStopTest: 5, 143; RunDirectoryTest: 6).
 */
class ExitCodeTest {
    @Test
    void theCodesAreFixed() {
        assertEquals(0, ExitCode.SUCCESS.code());
        assertEquals(1, ExitCode.FAILURE.code());
        assertEquals(2, ExitCode.INVALID_CONFIG.code());
        assertEquals(3, ExitCode.INVALID_INPUT.code());
        assertEquals(4, ExitCode.DIVERGED.code());
        assertEquals(5, ExitCode.STOPPED.code());
        assertEquals(6, ExitCode.LOCKED.code());
        assertEquals(7, ExitCode.values().length, "a new code needs a row in the README's table and here");
    }

    /** Each kind of failure says its exit code and its words, found anywhere in the cause chain. */
    @Test
    void eachFailureCarriesItsCodeAndWhatTheUserReads() {
        assertReported(new InvalidConfigException(List.of("a: bad", "b: worse")), ExitCode.INVALID_CONFIG,
                "error: invalid configuration or arguments:" + System.lineSeparator() + "  a: bad"
                        + System.lineSeparator() + "  b: worse");
        assertReported(new UnsupportedPrecisionException("no bf16 here"), ExitCode.INVALID_CONFIG,
                "error: no bf16 here");
        assertReported(new OutputException("out: not writable"), ExitCode.INVALID_CONFIG, "error: out: not writable");
        assertReported(new InvalidDataException("f.bin: short record"), ExitCode.INVALID_INPUT,
                "error: invalid input data: f.bin: short record");
        assertReported(new NonFiniteRoundException("round 3: NaN"), ExitCode.DIVERGED,
                "error: training diverged: round 3: NaN");
        assertReported(new RunLockedException("out: in use"), ExitCode.LOCKED, "error: out: in use");
        assertReported(new DownloadException("http://x", "refused", null), ExitCode.FAILURE,
                "error: cannot download http://x: refused");
        // anything else is an unexpected failure, reported with the command's name
        assertReported(new IllegalArgumentException("boom"), ExitCode.FAILURE, "error: train failed: ");
    }

    private static void assertReported(RuntimeException failure, ExitCode code, String start) {
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        ExitCode got;
        try {
            // wrapped, as failures arrive from Spark and from picocli
            got = Main.report("train", new IllegalStateException("wrapper", new RuntimeException(failure)));
        } finally {
            System.setErr(err);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(code, got, failure.toString());
        assertTrue(printed.startsWith(start), "printed: " + printed);
    }

    @Test
    void theReadmeTableListsEveryCode() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int table = readme.indexOf("| code | meaning | retry? |");
        assertTrue(table > 0, "the README has the exit-code table");
        List<String> codes = new ArrayList<>();
        List<String> lines = readme.substring(table).lines().toList();
        for (String line : lines.subList(2, lines.size())) { // after the header and its separator row
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("\\|");
            codes.add(cells[1].trim());
            // "yes" is what a scheduler's retry (YARN's next attempt) is left to; the others end the application
            String code = cells[1].trim();
            boolean retryable = ExitCode.retryable(code.equals(ExitCode.SECOND_SIGNAL) ? 143 : Integer.parseInt(code));
            assertEquals(retryable, cells[3].trim().startsWith("yes"), line);
        }
        List<String> expected = new ArrayList<>();
        for (ExitCode c : ExitCode.values()) {
            expected.add(String.valueOf(c.code()));
        }
        expected.add(ExitCode.SECOND_SIGNAL);
        assertEquals(expected, codes);
    }
}
