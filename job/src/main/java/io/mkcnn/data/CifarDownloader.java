package io.mkcnn.data;

import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Fetches the CIFAR-10 binary archive, checks its MD5 and extracts {@code cifar-10-batches-bin}
 * into the output directory. The extracted directory appears under its final name only when it is
 * complete (atomic rename), and a complete copy already there is reused without downloading.
 * {@code file://} URLs work as well as {@code http(s)://}.
 */
public final class CifarDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(CifarDownloader.class);

    public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public static final String DEFAULT_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    /** Directory inside the archive, and under the output directory once extracted. */
    public static final String DIRECTORY = "cifar-10-batches-bin";
    public static final List<String> FILES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");
    /** Size of each file of the official archive: 10,000 records. */
    public static final long FILE_BYTES = 10_000L * CifarFormat.RECORD_BYTES;
    static final String PART_FILE = ".cifar-10-binary.tar.gz.part";
    static final int CONNECT_TIMEOUT_MS = 15_000;
    static final int READ_TIMEOUT_MS = 60_000;

    private final String url;
    private final String md5;

    /** Downloads the official archive from {@link #DEFAULT_URL}. */
    public CifarDownloader() {
        this(DEFAULT_URL, DEFAULT_MD5);
    }

    /**
     * @param url the archive's URL ({@code http}, {@code https} or {@code file})
     * @param md5 its expected MD5, 32 hexadecimal digits
     */
    public CifarDownloader(String url, String md5) {
        this.url = Objects.requireNonNull(url, "url");
        if (md5 == null || !md5.matches("[0-9a-fA-F]{32}")) {
            throw new IllegalArgumentException("md5 must be 32 hexadecimal digits, got '" + md5 + "'");
        }
        this.md5 = md5.toLowerCase(Locale.ROOT);
    }

    /**
     * Makes sure {@code outDir/cifar-10-batches-bin} holds the dataset and returns that path.
     *
     * @throws DownloadException    if the archive cannot be fetched
     * @throws InvalidDataException if its MD5 is wrong, it does not hold the expected files, or an
     *                              incomplete {@code cifar-10-batches-bin} is in the way
     */
    public Path download(Path outDir) {
        Path target = outDir.resolve(DIRECTORY);
        if (Files.exists(target)) {
            String problem = problem(target, true);
            if (problem != null) {
                throw new InvalidDataException(target + ": exists but is not a complete CIFAR-10 copy ("
                        + problem + "); remove it to download again, or pass a complete directory with --data");
            }
            LOG.info("CIFAR-10 already present in {}, not downloading", target);
            return target;
        }
        Path part = outDir.resolve(PART_FILE);
        try {
            Files.createDirectories(outDir);
            String actual = fetch(part);
            if (!actual.equals(md5)) {
                throw new InvalidDataException(url + ": MD5 of the download is " + actual + ", expected " + md5
                        + "; the file is corrupt or not cifar-10-binary.tar.gz (partial file deleted)");
            }
            extract(part, outDir, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store CIFAR-10 in " + outDir + ": " + e, e);
        } finally {
            deleteQuietly(part);
        }
        LOG.info("CIFAR-10 extracted to {}", target);
        return target;
    }

    /** Streams the URL into {@code part}; returns the MD5 of what was received. */
    private String fetch(Path part) throws IOException {
        MessageDigest digest = md5Digest();
        long length;
        InputStream raw;
        try {
            URLConnection connection = URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
            connection.setReadTimeout(READ_TIMEOUT_MS);
            if (connection instanceof HttpURLConnection) {
                HttpURLConnection http = (HttpURLConnection) connection;
                int code = http.getResponseCode();
                if (code != HttpURLConnection.HTTP_OK) {
                    throw new DownloadException(url, "HTTP " + code + " " + http.getResponseMessage(), null);
                }
            }
            length = connection.getContentLengthLong();
            raw = connection.getInputStream();
        } catch (IOException | IllegalArgumentException e) {
            throw new DownloadException(url, e.toString(), e);
        }
        LOG.info("downloading {} ({} MB) to {}", url, length > 0 ? DownloadProgress.megabytes(length) : "?", part);
        try (InputStream in = new DigestInputStream(raw, digest); OutputStream out = Files.newOutputStream(part)) {
            DownloadProgress progress = new DownloadProgress(url, length);
            byte[] buffer = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw new DownloadException(url, e + " after " + progress.received() + " bytes", e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                progress.add(n);
            }
            if (length > 0 && progress.received() != length) {
                throw new DownloadException(url, "connection closed after " + progress.received() + " of " + length
                        + " bytes", null);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Unpacks the archive into a fresh {@code .extract-*} directory and renames its content into place. */
    private void extract(Path archive, Path outDir, Path target) throws IOException {
        Path scratch = Files.createTempDirectory(outDir, ".extract-");
        try {
            TarGz.extract(archive, scratch, url);
            Path content = scratch.resolve(DIRECTORY);
            String problem = problem(content, false);
            if (problem != null) {
                throw new InvalidDataException(url + ": archive is not cifar-10-binary.tar.gz: " + problem);
            }
            Files.move(content, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            PathUtils.deleteDirectory(scratch);
        }
    }

    /**
     * What is wrong with {@code dir} as a CIFAR-10 directory, or {@code null} if nothing: every file
     * must exist and hold whole records; with {@code exactSize}, exactly {@link #FILE_BYTES}.
     */
    static String problem(Path dir, boolean exactSize) {
        if (!Files.isDirectory(dir)) {
            return "no directory " + dir.getFileName();
        }
        for (String name : FILES) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                return "missing " + name;
            }
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            boolean ok = exactSize ? size == FILE_BYTES : size > 0 && size % CifarFormat.RECORD_BYTES == 0;
            if (!ok) {
                return name + " has " + size + " bytes, expected "
                        + (exactSize ? String.valueOf(FILE_BYTES) : "a positive multiple of " + CifarFormat.RECORD_BYTES);
            }
        }
        return null;
    }

    private static MessageDigest md5Digest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", file, e.toString());
        }
    }
}
