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

    @Test
    void mistypedCommandGetsASuggestionAndChangesNothing(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        String[] after = run("trian", "--data", dir.toString(), "--out", out.toString());
        assertEquals("2", after[0], after[1]);
        assertTrue(after[1].contains("unknown command 'trian'"), after[1]);
        assertTrue(after[1].contains("Did you mean: submit.sh train?"), after[1]);

        String[] withSpark = run("--master", "local[2]", "--conf", "spark.ui.enabled=false", "predcit", "--model",
                dir.resolve("model.zip").toString(), "--out", out.toString());
        assertEquals("2", withSpark[0], withSpark[1]);
        assertTrue(withSpark[1].contains("unknown command 'predcit'"), withSpark[1]);
        assertTrue(withSpark[1].contains("Did you mean: submit.sh predict?"), withSpark[1]);

        String[] sparkTypo = run("--mastr", "local[2]", "train", "--out", out.toString());
        assertEquals("2", sparkTypo[0], sparkTypo[1]);
        assertTrue(sparkTypo[1].contains("unknown option '--mastr' before the command"), sparkTypo[1]);

        String[] none = run("--master", "local[2]");
        assertEquals("2", none[0], none[1]);
        assertTrue(none[1].contains("no command given"), none[1]);
        assertTrue(java.nio.file.Files.notExists(out), "nothing written for a command that never ran");
    }
}
