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
 * Fetches a CIFAR binary archive (CIFAR-10's by default, or CIFAR-100's), checks its MD5 and extracts its folder
 * ({@code cifar-10-batches-bin}, {@code cifar-100-binary}) into the output directory. The extracted folder appears
 * under its final name only when it is complete (atomic rename), and a complete copy already there is reused without
 * downloading.
 * {@code file://} URLs work as well as {@code http(s)://}.
 */
public final class CifarDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(CifarDownloader.class);

    public static final String DEFAULT_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public static final String DEFAULT_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    /** CIFAR-10's record files. */
    public static final List<String> FILES = CifarArchive.CIFAR10.files();
    static final int CONNECT_TIMEOUT_MS = 15_000;
    static final int READ_TIMEOUT_MS = 60_000;

    private final CifarArchive archive;
    private final String url;
    private final String md5;

    /** Downloads the official CIFAR-10 archive from {@link #DEFAULT_URL}. */
    public CifarDownloader() {
        this(DEFAULT_URL, DEFAULT_MD5);
    }

    /** Downloads CIFAR-10's archive from {@code url}. */
    public CifarDownloader(String url, String md5) {
        this(CifarArchive.CIFAR10, url, md5);
    }

    /**
     * @param archive the data set: its folder and files
     * @param url the archive's URL ({@code http}, {@code https} or {@code file}); null for the official one
     * @param md5 its expected MD5, 32 hexadecimal digits; null for the official archive's
     */
    public CifarDownloader(CifarArchive archive, String url, String md5) {
        this.archive = Objects.requireNonNull(archive, "archive");
        url = url == null ? archive.url() : url;
        md5 = md5 == null ? archive.md5() : md5;
        this.url = url;
        if (md5 == null || !md5.matches("[0-9a-fA-F]{32}")) {
            throw new IllegalArgumentException("md5 must be 32 hexadecimal digits, got '" + md5 + "'");
        }
        this.md5 = md5.toLowerCase(Locale.ROOT);
    }

    /**
     * Makes sure {@code outDir/<the archive's folder>} holds the dataset and returns that path.
     *
     * @throws DownloadException    if the archive cannot be fetched
     * @throws InvalidDataException if its MD5 is wrong, it does not hold the expected files, or an
     *                              incomplete copy is in the way
     */
    public Path download(Path outDir) {
        Path target = outDir.resolve(archive.directory());
        if (Files.exists(target)) {
            String problem = problem(target, true);
            if (problem != null) {
                throw new InvalidDataException(target + ": exists but is not a complete " + archive.displayName()
                        + " copy ("
                        + problem + "); remove it to download again, or pass a complete directory with --data");
            }
            LOG.info("{} already present in {}, not downloading", archive.displayName(), target);
            return target;
        }
        Path part = outDir.resolve("." + archive.fileName() + ".part");
        try {
            Files.createDirectories(outDir);
            String actual = fetch(part);
            if (!actual.equals(md5)) {
                throw new InvalidDataException(url + ": MD5 of the download is " + actual + ", expected " + md5
                        + "; the file is corrupt or not " + archive.fileName() + " (partial file deleted)");
            }
            extract(part, outDir, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + archive.displayName() + " in " + outDir + ": " + e, e);
        } finally {
            deleteQuietly(part);
        }
        LOG.info("{} extracted to {}", archive.displayName(), target);
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
                    throw new DownloadException(url, "HTTP " + code + " " + http.getResponseMessage(),
                            archive.fileName(), null);
                }
            }
            length = connection.getContentLengthLong();
            raw = connection.getInputStream();
        } catch (IOException | IllegalArgumentException e) {
            throw new DownloadException(url, e.toString(), archive.fileName(), e);
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
                    throw new DownloadException(url, e + " after " + progress.received() + " bytes",
                            archive.fileName(), e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buffer, 0, n);
                progress.add(n);
            }
            if (length > 0 && progress.received() != length) {
                throw new DownloadException(url, "connection closed after " + progress.received() + " of " + length
                        + " bytes", archive.fileName(), null);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Unpacks the archive into a fresh {@code .extract-*} directory and renames its content into place. */
    private void extract(Path file, Path outDir, Path target) throws IOException {
        Path scratch = Files.createTempDirectory(outDir, ".extract-");
        try {
            TarGz.extract(file, scratch, url);
            Path content = scratch.resolve(archive.directory());
            String problem = problem(content, false);
            if (problem != null) {
                throw new InvalidDataException(url + ": archive is not " + archive.fileName() + ": " + problem);
            }
            Files.move(content, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            PathUtils.deleteDirectory(scratch);
        }
    }

    /**
     * What is wrong with {@code dir} as the archive's folder, or {@code null} if nothing: every file must exist and
     * hold whole records; with {@code exactSize}, exactly the official archive's.
     */
    String problem(Path dir, boolean exactSize) {
        if (!Files.isDirectory(dir)) {
            return "no directory " + dir.getFileName();
        }
        for (String name : archive.files()) {
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
            long expected = archive.fileBytes(name);
            boolean ok = exactSize ? size == expected : size > 0 && size % archive.recordBytes() == 0;
            if (!ok) {
                return name + " has " + size + " bytes, expected "
                        + (exactSize ? String.valueOf(expected) : "a positive multiple of " + archive.recordBytes());
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
