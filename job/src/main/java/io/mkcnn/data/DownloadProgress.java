package io.mkcnn.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts received bytes and logs progress every 5 percent, or every 5 seconds when that comes first
 * (or when the size is unknown): {@code download <url>: 35% 57.3 / 162.6 MB, 2.1 MB/s}.
 */
final class DownloadProgress {
    private static final Logger LOG = LoggerFactory.getLogger(DownloadProgress.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;
    private static final int STEP_PERCENT = 5;
    private static final double MB = 1024.0 * 1024.0;

    private final String url;
    private final long length;
    private final long start = System.nanoTime();
    private long received;
    private long lastLog = start;
    private long nextPercent = STEP_PERCENT;

    /** @param length expected bytes, or a negative value when unknown */
    DownloadProgress(String url, long length) {
        this.url = url;
        this.length = length;
    }

    void add(int bytes) {
        received += bytes;
        long now = System.nanoTime();
        long percent = length > 0 ? received * 100 / length : -1;
        if (percent >= nextPercent || now - lastLog >= LOG_EVERY_NANOS) {
            double seconds = Math.max(1e-3, (now - start) / 1e9);
            LOG.info("download {}: {}% {} / {} MB, {} MB/s", url, percent < 0 ? "?" : percent, megabytes(received),
                    length > 0 ? megabytes(length) : "?", String.format("%.1f", received / MB / seconds));
            lastLog = now;
            while (percent >= nextPercent) {
                nextPercent += STEP_PERCENT;
            }
        }
    }

    long received() {
        return received;
    }

    static String megabytes(long bytes) {
        return String.format("%.1f", bytes / MB);
    }
}
