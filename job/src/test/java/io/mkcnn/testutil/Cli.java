package io.mkcnn.testutil;

import io.mkcnn.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/** Runs a command line as a user would, on a test's SparkContext, capturing what it prints on stderr. */
public final class Cli {
    private Cli() {
    }

    /** The exit code and stderr of a command line. */
    public static Map.Entry<Integer, String> run(JavaSparkContext sc, String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Map.entry(Main.runWith(sc, args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }
}
