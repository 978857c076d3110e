package io.mkcnn.store;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Paths carried as strings between the driver and the executors. A Hadoop {@link Path} made from a user's string
 * takes every character literally (spaces, commas, '%', '#', '[', newlines); its {@link Path#toString()} does not
 * survive {@code new URI(...)}, and a percent-encoded URI string does not survive {@code new Path(String)}. Strings
 * that cross that boundary are therefore always the encoded URI form, made by {@link #uri} and read back by
 * {@link #path}, never joined with separators or expanded as globs.
 */
public final class StorePaths {
    /** The settings for reading inputs: local files without checksum files ({@link InputFileSystem}). */
    public static final Map<String, String> READING = Map.of("fs.file.impl", InputFileSystem.class.getName(),
            "fs.file.impl.disable.cache", "true");

    private StorePaths() {
    }

    /**
     * The path a user's string names. Hadoop's {@code new Path(String)} reads a colon before the first '/' as the
     * end of a scheme, and refuses a relative name such as {@code 12:30 batch.bin}; such a string names a local file
     * relative to the working directory.
     */
    public static Path given(String path) {
        try {
            return new Path(path);
        } catch (IllegalArgumentException e) {
            return new Path(new File(path).getAbsoluteFile().toURI());
        }
    }

    /** {@code conf} for reading inputs: local files without checksum files ({@link InputFileSystem}). */
    public static Configuration forReading(Configuration conf) {
        Configuration c = new Configuration(conf);
        READING.forEach(c::set);
        return c;
    }


    /** Opens an input file, a local one without its checksum file ({@link InputFileSystem}). */
    public static InputStream open(Path path, Configuration conf) throws IOException {
        return open(path.getFileSystem(conf), path);
    }

    /** Opens an input file of {@code fs}, a local one without its checksum file ({@link InputFileSystem}). */
    public static InputStream open(FileSystem fs, Path path) throws IOException {
        return (fs instanceof LocalFileSystem local ? local.getRaw() : fs).open(path);
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
