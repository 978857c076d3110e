package io.mkcnn.ml;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * What {@link MultiKernelCnnClassifier} shares with the configuration: its uid (set before the subclass creates its
 * Params, which name it as their parent) and one Param per configuration key, each with the key's default. The
 * Params' values become the run's configuration through {@link JobConfig#from}, so they are checked exactly as the
 * command line's settings are, and a problem names the Param.
 */
abstract class TrainingStage extends Estimator<MultiKernelCnnModel> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, String> DEFAULTS = JobConfig.defaults();

    private final String uid;
    /** Param name to configuration key, in declaration order. */
    private final Map<String, String> keys = new LinkedHashMap<>();

    TrainingStage(String uid) {
        this.uid = uid;
    }

    @Override
    public String uid() {
        return uid;
    }

    /**
     * A Param for configuration key {@code key}, with the key's default unless the default follows other settings
     * ({@code dependent}: then it is left to the configuration, and {@link #configuration} says what it became).
     */
    private <P extends Param<?>> P register(P param, String key, boolean dependent,
                                            java.util.function.Function<String, ?> parse) {
        if (!DEFAULTS.containsKey(key)) {
            throw new IllegalStateException("no configuration key " + key);
        }
        keys.put(param.name(), key);
        if (!dependent) {
            @SuppressWarnings("unchecked")
            Param<Object> p = (Param<Object>) param;
            setDefault(p, parse.apply(DEFAULTS.get(key)));
        }
        return param;
    }

    IntParam intParam(String name, String key, String doc) {
        return register(new IntParam(this, name, doc + " (" + key + ")"), key, false, Integer::valueOf);
    }

    LongParam longParam(String name, String key, String doc) {
        return register(new LongParam(this, name, doc + " (" + key + ")"), key, false, Long::valueOf);
    }

    DoubleParam doubleParam(String name, String key, String doc) {
        return register(new DoubleParam(this, name, doc + " (" + key + ")"), key, false, Double::valueOf);
    }

    BooleanParam booleanParam(String name, String key, String doc) {
        return register(new BooleanParam(this, name, doc + " (" + key + ")"), key, false, Boolean::valueOf);
    }

    Param<String> stringParam(String name, String key, String doc) {
        return register(new Param<String>(this, name, doc + " (" + key + ")"), key, false, v -> v);
    }

    /** A Param whose default follows other settings (e.g. the number of workers). */
    Param<String> dependentParam(String name, String key, String doc) {
        return register(new Param<String>(this, name, doc + " (" + key + "; default: follows " + "the workers)"),
                key, true, v -> v);
    }

    /** The configuration key of each Param, by Param name. */
    Map<String, String> configurationKeys() {
        return Map.copyOf(keys);
    }

    /**
     * The run's configuration: the Params set on this stage over the configuration's defaults, and {@code fixed}
     * (what the DataFrame decides: the data's description).
     *
     * @throws IllegalArgumentException naming each Param whose value the configuration refuses
     */
    JobConfig configuration(Map<String, String> fixed) {
        Map<String, String> values = new LinkedHashMap<>();
        keys.forEach((name, key) -> {
            Param<?> p = getParam(name);
            if (isSet(p)) {
                values.put(key, String.valueOf(getOrDefault(p)));
            }
        });
        values.putAll(fixed);
        try {
            return JobConfig.from(values, "Params", Map.of());
        } catch (InvalidConfigException e) {
            throw named(e);
        }
    }

    /** A configuration's problems as a Spark ML stage reports them: each named by its Param. */
    IllegalArgumentException named(InvalidConfigException e) {
        List<String> problems = new ArrayList<>();
        for (String problem : e.problems()) {
            String named = problem;
            for (Map.Entry<String, String> k : keys.entrySet()) {
                if (problem.startsWith(k.getValue() + "=")) {
                    named = "Param " + k.getKey() + " (" + k.getValue() + ")" + problem.substring(
                            k.getValue().length());
                }
            }
            problems.add(named);
        }
        return new IllegalArgumentException(uid + ": " + String.join("; ", problems), e);
    }
}
