package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            codes.add(line.split("\\|")[1].trim());
        }
        List<String> expected = new ArrayList<>();
        for (ExitCode c : ExitCode.values()) {
            expected.add(String.valueOf(c.code()));
        }
        expected.add(ExitCode.SECOND_SIGNAL);
        assertEquals(expected, codes);
    }
}
