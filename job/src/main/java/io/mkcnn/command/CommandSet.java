package io.mkcnn.command;

import java.util.List;
import java.util.Map;

/**
 * Commands the command line finds with {@link java.util.ServiceLoader} and adds after the job's own: the
 * benchmark and the studies, which nothing in the job imports.
 */
public interface CommandSet {

    /** The picocli command classes ({@code @Command}), in the order help lists them. */
    List<Class<?>> commands();

    /**
     * A command whose runs default some configuration keys otherwise (a study's own settings, under {@code --conf}
     * and {@code --set}); help shows these defaults.
     */
    interface ConfigDefaults {
        Map<String, String> configDefaults();
    }
}
