package io.mkcnn.kernels;

/** The precision asked for cannot be computed on this JVM's CPU (a configuration error: exit code 2). */
public class UnsupportedPrecisionException extends IllegalStateException {
    public UnsupportedPrecisionException(String message) {
        super(message);
    }
}
