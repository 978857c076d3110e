package io.mkcnn.data;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;

/**
 * The dataset could not be fetched (no network, host unreachable, timeout, HTTP error). The message
 * names the URL, the cause, and the way around it: download the archive elsewhere and pass its
 * extracted directory with {@code --data}.
 */
public class DownloadException extends JobException {
    private static final long serialVersionUID = 1L;

    /**
     * @param url    the URL that failed
     * @param reason what went wrong, e.g. {@code java.net.ConnectException: Connection refused}
     * @param cause  the underlying exception, or {@code null}
     */
    public DownloadException(String url, String reason, Throwable cause) {
        this(url, reason, "cifar-10-binary.tar.gz", cause);
    }

    /** As above, for the archive named {@code archive}. */
    public DownloadException(String url, String reason, String archive, Throwable cause) {
        super(ExitCode.FAILURE, "cannot download " + url + ": " + reason + " (no network? download " + archive
                + " elsewhere and pass its extracted directory with --data)", cause);
    }
}
