package io.mkcnn.store;

import java.net.URI;
import org.apache.hadoop.conf.Configuration;

/**
 * S3 (s3a://) as the job uses it: retries bounded so that an unreachable endpoint fails in seconds rather than
 * minutes, and failures turned into messages that name the bucket and the endpoint.
 */
public final class ObjectStores {
    /** S3A settings whose Hadoop defaults retry for minutes; applied unless the user set them. */
    private static final String[][] BOUNDED = {
        {"fs.s3a.attempts.maximum", "2"},
        {"fs.s3a.retry.limit", "2"},
        {"fs.s3a.retry.interval", "500ms"},
        {"fs.s3a.connection.establish.timeout", "5000"},
        {"fs.s3a.connection.timeout", "30000"},
    };

    private ObjectStores() {
    }

    /** Bounds S3A's retries in {@code conf}, leaving alone every key set anywhere but Hadoop's defaults. */
    public static void boundRetries(Configuration conf) {
        for (String[] kv : BOUNDED) {
            String[] sources = conf.getPropertySources(kv[0]);
            boolean userSet = sources != null && java.util.Arrays.stream(sources)
                    .anyMatch(s -> !s.equals("core-default.xml"));
            if (!userSet) {
                conf.set(kv[0], kv[1], "mkcnn (bounded S3 retries)");
            }
        }
    }

    /**
     * A failure on {@code path} explained, if it is an S3 path and the failure is the store's: unreachable
     * ({@link StoreUnavailableException}) or refused ({@link StoreAccessException}); otherwise null.
     */
    public static RuntimeException explain(String path, Configuration conf, Throwable failure) {
        URI uri;
        try {
            uri = new org.apache.hadoop.fs.Path(path).toUri();
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (!"s3a".equals(uri.getScheme())) {
            return null;
        }
        String bucket = uri.getHost();
        String endpoint = conf.get("fs.s3a.bucket." + bucket + ".endpoint", conf.get("fs.s3a.endpoint", ""));
        String where = "s3a://" + bucket + " (endpoint " + (endpoint.isBlank() ? "AWS default" : endpoint) + ")";
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String type = c.getClass().getName();
            if (type.endsWith("NoAuthWithAWSException") || c instanceof java.nio.file.AccessDeniedException) {
                return new StoreAccessException(where + ": access denied or no credentials (" + firstLine(c)
                        + "); set fs.s3a.access.key and fs.s3a.secret.key or a credentials provider "
                        + "(spark.hadoop.fs.s3a.* in Spark's configuration)", failure);
            }
            if (type.endsWith("UnknownStoreException")) {
                return new StoreAccessException(where + ": no such bucket (" + firstLine(c) + ")", failure);
            }
            if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
                    || c instanceof java.net.SocketTimeoutException || c instanceof java.net.NoRouteToHostException
                    || type.endsWith("AWSClientIOException") || type.equals("com.amazonaws.SdkClientException")) {
                return new StoreUnavailableException(where + ": cannot reach the store for " + path + " ("
                        + firstLine(c) + "); check fs.s3a.endpoint and the network, then rerun", failure);
            }
        }
        return null;
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        m = nl >= 0 ? m.substring(0, nl) : m;
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }
}
