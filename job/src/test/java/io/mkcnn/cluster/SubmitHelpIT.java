package io.mkcnn.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code ./submit.sh --help}, {@code COMMAND --help} and {@code --version} as a user types them: exit 0, no Spark. */
class SubmitHelpIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static String[] run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("submit.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("SPARK_HOME");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new String[] {String.valueOf(p.exitValue()), out};
    }

    @Test
    void helpAndVersionExitZero() throws Exception {
        String[] top = run("--help");
        assertEquals("0", top[0], top[1]);
        assertTrue(top[1].contains("usage: submit.sh [spark-submit options] COMMAND [options]"), top[1]);
        assertTrue(top[1].contains("Exit codes:"), top[1]);

        String[] train = run("train", "--help");
        assertEquals("0", train[0], train[1]);
        assertTrue(train[1].contains("--epochs=N") && train[1].contains("(default: 10)"), train[1]);
        assertTrue(train[1].contains("stop.grace.seconds"), train[1]);

        String[] spark = run("--master", "local[2]", "bench", "--help");
        assertEquals("0", spark[0], "Spark options before the command are ignored for help: " + spark[1]);

        String[] version = run("--version");
        assertEquals("0", version[0], version[1]);
        assertTrue(version[1].startsWith("mkcnn-job "), version[1]);
    }
}
