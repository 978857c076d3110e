package io.mkcnn.data;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** Input data that cannot be trained on: the message names the file (and record) and what was expected. */
public class InvalidDataException extends JobException {
    public InvalidDataException(String message) {
        super(ExitCode.INVALID_INPUT, message);
    }

    public InvalidDataException(String message, Throwable cause) {
        super(ExitCode.INVALID_INPUT, message, cause);
    }

    @Override
    public String report() {
        return "error: invalid input data: " + getMessage();
    }
}
