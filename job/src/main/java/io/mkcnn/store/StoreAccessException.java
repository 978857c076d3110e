package io.mkcnn.store;

/** An object store refused the job (credentials, permissions, bucket); the message names the bucket and endpoint. */
public final class StoreAccessException extends RuntimeException {
    StoreAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
