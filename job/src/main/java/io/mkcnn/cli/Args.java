package io.mkcnn.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line options of a subcommand: {@code --name value} pairs and repeated {@code --set key=value}. */
final class Args {
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Map<String, String> sets = new LinkedHashMap<>();
    private final Set<String> flags = new java.util.HashSet<>();

    /**
     * Parses {@code args}, accepting only the {@code allowed} option names (without dashes).
     *
     * @throws InvalidConfigException listing every unknown, repeated or valueless option
     */
    static Args parse(String command, List<String> args, Set<String> allowed) {
        return parse(command, args, allowed, Set.of());
    }

    /** As {@link #parse(String, List, Set)}, also accepting the value-less {@code flagNames}. */
    static Args parse(String command, List<String> args, Set<String> allowed, Set<String> flagNames) {
        Args a = new Args();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                problems.add(command + ": unexpected argument '" + arg + "'");
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0 && !name.startsWith("set")) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flagNames.contains(name) && value == null) {
                a.flags.add(name);
                continue;
            }
            if (!allowed.contains(name)) {
                problems.add(command + ": unknown option --" + name + " (expected one of --"
                        + String.join(", --", allowed) + ")");
                if (value == null && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    i++;
                }
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    problems.add(command + ": option --" + name + " needs a value");
                    continue;
                }
                value = args.get(++i);
            }
            if (name.equals("set")) {
                int kv = value.indexOf('=');
                if (kv <= 0) {
                    problems.add(command + ": --set " + value + ": expected key=value");
                } else {
                    a.sets.put(value.substring(0, kv).trim(), value.substring(kv + 1));
                }
            } else if (a.options.put(name, value) != null) {
                problems.add(command + ": option --" + name + " given more than once");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return a;
    }

    String get(String name) {
        return options.get(name);
    }

    String require(String command, String name, List<String> problems) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            problems.add(command + ": missing required option --" + name);
        }
        return v;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    Map<String, String> sets() {
        return sets;
    }
}
