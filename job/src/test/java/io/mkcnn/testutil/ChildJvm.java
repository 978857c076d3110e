package io.mkcnn.testutil;

import io.mkcnn.cli.Main;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The job's command line in a JVM of its own, for tests that kill it, signal it or change its CPU: the test JVM's
 * Java, classpath, module flags, heap and {@code -D} options, its logging configuration, and Spark in local mode
 * ({@code local[2]}, no UI, on localhost), with stdout and stderr into one log file.
 */
public final class ChildJvm {
    private final List<String> args;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    private ChildJvm(List<String> args) {
        this.args = List.copyOf(args);
    }

    /** A child JVM that will run {@code Main} with these arguments. */
    public static ChildJvm main(List<String> args) {
        return new ChildJvm(args);
    }

    /** A child JVM that will run {@code Main} with these arguments. */
    public static ChildJvm main(String... args) {
        return main(List.of(args));
    }

    /** Adds a system property ({@code -Dkey=value}). */
    public ChildJvm property(String key, String value) {
        properties.put(key, value);
        return this;
    }

    /** Sets an environment variable of the child. */
    public ChildJvm environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** The whole command line. */
    public List<String> command() {
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-D") || a.startsWith("-Xmx")).toList());
        String log4j = System.getProperty("log4j2.configurationFile");
        if (log4j != null) {
            c.add("-Dlog4j2.configurationFile=" + log4j);
        }
        c.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-Dspark.driver.host=localhost"));
        properties.forEach((k, v) -> c.add("-D" + k + "=" + v));
        c.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        c.addAll(args);
        return c;
    }

    /** Starts the child, its output going to {@code log}. */
    public Process start(Path log) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment);
        return pb.start();
    }
}
