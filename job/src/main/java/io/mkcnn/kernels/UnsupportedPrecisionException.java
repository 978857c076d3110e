package io.mkcnn.kernels;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** The precision asked for cannot be computed on this JVM's CPU (a configuration error: exit code 2). */
public class UnsupportedPrecisionException extends JobException {
    public UnsupportedPrecisionException(String message) {
        super(ExitCode.INVALID_CONFIG, message);
    }
}
