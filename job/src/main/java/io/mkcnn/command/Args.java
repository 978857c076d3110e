package io.mkcnn.command;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/** Checks and conversions of option values shared by the commands; each problem is named by command and option. */
public final class Args {
    private Args() {
    }

    public static void require(String command, String option, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(command + ": missing required option " + option);
        }
    }

    /**
     * The local folder an {@code --out} of generate, download or demo names (a plain path or a {@code file:} URI);
     * any other filesystem is a problem (those commands write with local file I/O), as is a missing value.
     */
    public static Path localDir(String command, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            return null;
        }
        java.net.URI uri;
        try {
            uri = new org.apache.hadoop.fs.Path(value).toUri();
        } catch (IllegalArgumentException e) {
            return Path.of(value); // not a URI at all: a local name
        }
        if (uri.getScheme() == null) {
            return Path.of(value);
        }
        if (uri.getScheme().equals("file")) {
            return Path.of(uri.getPath());
        }
        problems.add(command + ": --out " + value + ": expected a local folder (" + command + " writes with local "
                + "file I/O); write locally, then copy it (e.g. hdfs dfs -put, aws s3 cp --recursive)");
        return null;
    }

    public static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** Puts an option's value under its configuration key only when the user gave the option. */
    public static void putIfGiven(CommandSpec spec, Map<String, String> m, String option, String key, String value) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
            m.put(key, value);
        }
    }

    public static int positiveInt(String command, String name, String value, List<String> problems) {
        try {
            int v = Integer.parseInt(value.trim());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // reported below
        }
        if (value != null) {
            problems.add(command + ": --" + name + " " + value + ": expected a positive integer");
        }
        return 1;
    }

    public static long longValue(String command, String name, String value, List<String> problems) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            problems.add(command + ": --" + name + " " + value + ": expected an integer");
            return 0;
        }
    }
}
