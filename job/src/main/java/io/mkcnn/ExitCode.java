package io.mkcnn;

/** Process exit codes of every subcommand; the README's table and {@code --help} list them. */
public enum ExitCode {
    SUCCESS(0, "success (also: a finished run found complete, nothing to do)"),
    FAILURE(1, "other failure (I/O, cluster, unexpected error): retrying may help"),
    INVALID_CONFIG(2, "invalid configuration, arguments or output directory; nothing was written"),
    INVALID_INPUT(3, "invalid input data or model (the message names the file)"),
    DIVERGED(4, "training diverged (non-finite loss or parameters); the last good checkpoint is kept"),
    STOPPED(5, "stopped by SIGTERM/SIGINT at a round boundary, checkpoint written: rerun the same command to resume"),
    LOCKED(6, "another live run holds the output directory (the message names it); nothing was written");

    /** Exit status after a second signal: the shell's convention, 128 + the signal's number. */
    public static final String SECOND_SIGNAL = "128+N";

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
