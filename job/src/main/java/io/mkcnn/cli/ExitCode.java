package io.mkcnn.cli;

/** Process exit codes of every subcommand; documented in the README. */
public enum ExitCode {
    SUCCESS(0),
    FAILURE(1),
    INVALID_CONFIG(2),
    INVALID_INPUT(3),
    DIVERGED(4);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
