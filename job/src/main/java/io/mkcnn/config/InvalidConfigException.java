package io.mkcnn.config;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;
import java.util.List;

/** Bad arguments or configuration values; carries every problem found, one per line. */
public class InvalidConfigException extends JobException {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super(ExitCode.INVALID_CONFIG, String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }

    @Override
    public String report() {
        StringBuilder b = new StringBuilder("error: invalid configuration or arguments:");
        problems.forEach(p -> b.append(System.lineSeparator()).append("  ").append(p));
        return b.toString();
    }
}
