package io.mkcnn;

/**
 * A failure the job reports to its user in words, without a stack trace, and the exit code the process then
 * ends with. Each kind of failure is a subclass that says both; anything else is an unexpected error (exit code
 * 1, logged with its stack trace).
 */
public abstract class JobException extends RuntimeException {
    private final ExitCode exitCode;

    protected JobException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    protected JobException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The code the process exits with. */
    public ExitCode exitCode() {
        return exitCode;
    }

    /** What the user reads on the error stream (one or more lines). */
    public String report() {
        return "error: " + getMessage();
    }
}
