package io.mkcnn.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Unpacks a {@code .tar.gz} archive: regular files and directories only, never outside the target. */
final class TarGz {
    private static final Logger LOG = LoggerFactory.getLogger(TarGz.class);

    private TarGz() {
    }

    /**
     * Extracts {@code archive} into the existing directory {@code into}.
     *
     * @param source named in messages (the URL the archive came from)
     * @throws InvalidDataException if the archive is unreadable or an entry would land outside {@code into}
     */
    static void extract(Path archive, Path into, String source) {
        Path root = into.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(archive), 1 << 16)))) {
            for (TarArchiveEntry entry = tar.getNextTarEntry(); entry != null; entry = tar.getNextTarEntry()) {
                Path dest = root.resolve(entry.getName()).normalize();
                if (!dest.startsWith(root)) {
                    throw new InvalidDataException(source + ": archive entry " + entry.getName()
                            + " points outside the extraction directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(dest);
                } else if (entry.isFile()) {
                    Files.createDirectories(dest.getParent());
                    Files.copy(tar, dest);
                } else {
                    LOG.warn("{}: skipping archive entry {} (not a regular file)", source, entry.getName());
                }
            }
        } catch (IOException e) {
            throw new InvalidDataException(source + ": cannot extract the archive: " + e, e);
        }
    }
}
