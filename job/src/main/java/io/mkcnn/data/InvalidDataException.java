package io.mkcnn.data;

/** Input data that cannot be trained on: the message names the file (and record) and what was expected. */
public class InvalidDataException extends RuntimeException {
    public InvalidDataException(String message) {
        super(message);
    }

    public InvalidDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
