package io.mkcnn;

/** Process exit codes of every subcommand; the README's table and {@code --help} list them. */
public enum ExitCode {
    SUCCESS(0, false, "success (also: a finished run found complete, nothing to do)"),
    FAILURE(1, true, "other failure (I/O, cluster, unexpected error): retrying may help"),
    INVALID_CONFIG(2, false, "invalid configuration, arguments or output directory; nothing was written"),
    INVALID_INPUT(3, false, "invalid input data or model (the message names the file)"),
    DIVERGED(4, false, "training diverged (non-finite loss or parameters); the last good checkpoint is kept"),
    STOPPED(5, true, "stopped by SIGTERM/SIGINT at a round boundary, checkpoint written: rerun the same command to "
            + "resume"),
    LOCKED(6, false, "another live run holds the output directory (the message names it); nothing was written");

    /** Exit status after a second signal: the shell's convention, 128 + the signal's number. */
    public static final String SECOND_SIGNAL = "128+N";

    private final int code;
    private final boolean retryable;
    private final String meaning;

    ExitCode(int code, boolean retryable, String meaning) {
        this.code = code;
        this.retryable = retryable;
        this.meaning = meaning;
    }

    /**
     * Whether running the same command again may succeed: a failure the job cannot name, or a stop by a signal
     * (a scheduler's preemption, the exit code after a second signal). A configuration, input, divergence or lock
     * failure would happen again, so a scheduler's retry (YARN's next application attempt) should not run.
     */
    public static boolean retryable(int code) {
        for (ExitCode c : values()) {
            if (c.code == code) {
                return c.retryable;
            }
        }
        return code != 0;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }
}
