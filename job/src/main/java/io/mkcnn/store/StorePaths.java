package io.mkcnn.store;

import java.net.URI;
import org.apache.hadoop.fs.Path;

/**
 * Paths carried as strings between the driver and the executors. A Hadoop {@link Path} made from a user's string
 * takes every character literally (spaces, commas, '%', '#', '[', newlines); its {@link Path#toString()} does not
 * survive {@code new URI(...)}, and a percent-encoded URI string does not survive {@code new Path(String)}. Strings
 * that cross that boundary are therefore always the encoded URI form, made by {@link #uri} and read back by
 * {@link #path}, never joined with separators or expanded as globs.
 */
public final class StorePaths {
    private StorePaths() {
    }

    /** The encoded URI string of a path: parseable by {@code new URI(...)} and exact through {@link #path}. */
    public static String uri(Path path) {
        return path.toUri().toString();
    }

    /** The path an encoded URI string (from {@link #uri}) names. */
    public static Path path(String uri) {
        return new Path(URI.create(uri));
    }

    /** {@code child} under an encoded directory URI, as an encoded URI (the name is taken literally). */
    public static String child(String dirUri, String child) {
        return uri(new Path(path(dirUri), child));
    }

    /**
     * {@code literal} with Hadoop's glob characters escaped, so that a folder whose name holds '*', '?', '[', '{'
     * or a backslash can be the fixed part of a glob ({@code globEscape(dir) + "/data_batch_*.bin"}).
     */
    public static String globEscape(String literal) {
        StringBuilder b = new StringBuilder(literal.length() + 8);
        for (char c : literal.toCharArray()) {
            if ("\\*?[]{}".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
