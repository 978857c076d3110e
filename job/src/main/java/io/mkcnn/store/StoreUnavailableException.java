package io.mkcnn.store;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** An object store could not be reached (retryable); the message names the bucket and endpoint. */
public final class StoreUnavailableException extends JobException {
    StoreUnavailableException(String message, Throwable cause) {
        super(ExitCode.FAILURE, message, cause);
    }
}
