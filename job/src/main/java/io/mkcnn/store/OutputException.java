package io.mkcnn.store;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** An output location that cannot be used or written; the message names it. */
public class OutputException extends JobException {
    public OutputException(String message) {
        super(ExitCode.INVALID_CONFIG, message);
    }

    public OutputException(String message, Throwable cause) {
        super(ExitCode.INVALID_CONFIG, message, cause);
    }
}
