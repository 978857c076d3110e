package io.mkcnn.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Raw key=value settings with typed, validating getters that collect problems instead of throwing, so that
 * every bad key is reported at once. Each getter registers its key: {@link #unknownKeys()} is what the
 * configuration never asked for.
 */
final class Settings {
    private final Map<String, String> values;
    private final Map<String, String> origin;
    private final Map<String, String> used = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> retiredKeys = new ArrayList<>();

    Settings(Map<String, String> values, Map<String, String> origin) {
        this.values = new TreeMap<>(values);
        this.origin = origin;
    }

    int intValue(String key, int def, int min, int max) {
        return number(key, def, Integer::parseInt, "an integer", v -> v >= min && v <= max,
                "between " + min + " and " + max);
    }

    long longValue(String key, long def) {
        return number(key, def, Long::parseLong, "an integer", v -> true, "");
    }

    double positiveDouble(String key, double def) {
        return number(key, def, Double::parseDouble, "a number", v -> v > 0 && Double.isFinite(v), "> 0");
    }

    double doubleValue(String key, double def, double min, double max) {
        return number(key, def, Double::parseDouble, "a number", v -> v >= min && v <= max,
                "between " + min + " and " + max);
    }

    boolean bool(String key, boolean def) {
        String raw = raw(key, Boolean.toString(def));
        if (!raw.equals("true") && !raw.equals("false")) {
            problem(key, raw, "expected true or false");
            return def;
        }
        return Boolean.parseBoolean(raw);
    }

    String string(String key, String def) {
        return raw(key, def);
    }

    <E extends Enum<E>> E enumValue(String key, E def) {
        String raw = raw(key, def.name().toLowerCase(Locale.ROOT));
        for (E e : def.getDeclaringClass().getEnumConstants()) {
            if (e.name().equalsIgnoreCase(raw)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : def.getDeclaringClass().getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        problem(key, raw, "expected one of " + String.join(", ", names));
        return def;
    }

    void problem(String key, String value, String rule) {
        problems.add(line(key, value, origin, rule));
    }

    /** A problem as configuration errors are reported: {@code key=value (origin): rule}. */
    static String line(String key, String value, Map<String, String> origin, String rule) {
        return key + "=" + value + " (" + origin.getOrDefault(key, "default") + "): " + rule;
    }

    /**
     * A key the job no longer reads, accepted (and left out of the effective configuration) only with the value
     * configuration files of earlier runs carry, so that those files still load.
     */
    void retired(String key, String accepted, String instead) {
        if (!values.containsKey(key)) {
            return;
        }
        String v = values.get(key).trim();
        if (!v.equals(accepted)) {
            problem(key, v, "no longer a configuration key (" + instead + ")");
        }
        retiredKeys.add(key);
    }

    List<String> problems() {
        return problems;
    }

    List<String> unknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!used.containsKey(k) && !retiredKeys.contains(k)) {
                unknown.add(k);
            }
        }
        return unknown;
    }

    /** Every key asked for, with its effective value. */
    Map<String, String> effective() {
        return used;
    }

    private String raw(String key, String def) {
        String v = values.containsKey(key) ? values.get(key).trim() : def;
        used.put(key, v);
        return v;
    }

    private <T> T number(String key, T def, Function<String, T> parse, String what,
                         java.util.function.Predicate<T> ok, String rule) {
        String raw = raw(key, String.valueOf(def));
        T v;
        try {
            v = parse.apply(raw);
        } catch (NumberFormatException e) {
            problem(key, raw, "expected " + what);
            return def;
        }
        if (!ok.test(v)) {
            problem(key, raw, "expected " + what + " " + rule);
            return def;
        }
        return v;
    }
}
