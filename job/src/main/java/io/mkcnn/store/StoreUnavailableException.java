package io.mkcnn.store;

/** An object store could not be reached (retryable); the message names the bucket and endpoint. */
public final class StoreUnavailableException extends RuntimeException {
    StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
