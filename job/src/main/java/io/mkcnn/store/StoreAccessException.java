package io.mkcnn.store;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/** An object store refused the job (credentials, permissions, bucket); the message names the bucket and endpoint. */
public final class StoreAccessException extends JobException {
    StoreAccessException(String message, Throwable cause) {
        super(ExitCode.INVALID_CONFIG, message, cause);
    }
}
