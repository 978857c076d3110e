package io.mkcnn.store;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.apache.hadoop.security.AccessControlException;

/** An output location that cannot be used or written; the message names it. */
public class OutputException extends JobException {
    public OutputException(String message) {
        super(ExitCode.INVALID_CONFIG, message);
    }

    public OutputException(String message, Throwable cause) {
        super(ExitCode.INVALID_CONFIG, message, cause);
    }

    /** {@code location} cannot be used: what failed, whether it is that it cannot be written, and why. */
    public static OutputException unusable(Object location, String what, IOException e) {
        return new OutputException(location + ": " + what + (notWritable(e) ? ": the location is not writable" : "")
                + " (" + reason(e) + ")", e);
    }

    /**
     * The file system's reason for {@code e}. Java's local file errors name the file and, for a denied permission,
     * give no reason of their own.
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f) {
            String why = f.getReason() != null ? f.getReason()
                    : f instanceof AccessDeniedException ? "Permission denied"
                    : f instanceof NoSuchFileException ? "No such file or directory"
                    : f.getClass().getSimpleName();
            return why + ": " + f.getFile();
        }
        return e.getMessage();
    }

    /** Whether {@code e} says a location cannot be written: no permission, or a read-only file system. */
    public static boolean notWritable(IOException e) {
        return e instanceof AccessDeniedException || e instanceof AccessControlException
                || e instanceof FileSystemException f && f.getReason() != null
                && (f.getReason().contains("Read-only") || f.getReason().contains("not permitted"));
    }
}
