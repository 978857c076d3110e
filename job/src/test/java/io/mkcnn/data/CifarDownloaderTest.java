package io.mkcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarDownloaderTest {
    private static final String HINT = " (no network? download cifar-10-binary.tar.gz elsewhere and pass its"
            + " extracted directory with --data)";

    @TempDir
    Path tmp;

    /** Two records per file, each file's bytes distinct. */
    private static Map<String, byte[]> smallDataset() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        int n = 0;
        for (String name : CifarDownloader.FILES) {
            byte[] bytes = new byte[2 * CifarFormat.RECORD_BYTES];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7 + n);
            }
            bytes[0] = (byte) n;
            bytes[CifarFormat.RECORD_BYTES] = (byte) (9 - n);
            files.put(name, bytes);
            n++;
        }
        return files;
    }

    private static Path tarGz(Path archive, Map<String, byte[]> entries) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                new GzipCompressorOutputStream(Files.newOutputStream(archive)))) {
            tar.putArchiveEntry(new TarArchiveEntry("cifar-10-batches-bin/"));
            tar.closeArchiveEntry();
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return archive;
    }

    private static Map<String, byte[]> inDirectory(Map<String, byte[]> files) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        files.forEach((name, bytes) -> entries.put("cifar-10-batches-bin/" + name, bytes));
        entries.put("cifar-10-batches-bin/batches.meta.txt", "airplane\n".getBytes());
        return entries;
    }

    private static String md5(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(file)));
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private void assertExtracted(Path dir, Map<String, byte[]> files) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        }
        assertEquals("airplane\n", Files.readString(dir.resolve("batches.meta.txt")));
    }

    @Test
    void downloadsFileUrlVerifiesMd5AndExtracts() throws Exception {
        Map<String, byte[]> files = smallDataset();
        Path archive = tarGz(tmp.resolve("cifar.tar.gz"), inDirectory(files));
        Path out = tmp.resolve("out");

        Path dir = new CifarDownloader(archive.toUri().toString(), md5(archive)).download(out);

        assertEquals(out.resolve("cifar-10-batches-bin"), dir);
        assertExtracted(dir, files);
        assertEquals(Set.of("cifar-10-batches-bin"), names(out), "no .part or .extract-* left behind");
    }

    @Test
    void downloadsOverHttp() throws Exception {
        Map<String, byte[]> files = smallDataset();
        Path archive = tarGz(tmp.resolve("cifar.tar.gz"), inDirectory(files));
        byte[] body = Files.readAllBytes(archive);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            if (exchange.getRequestURI().getPath().equals("/cifar.tar.gz")) {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(body);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path dir = new CifarDownloader(base + "/cifar.tar.gz", md5(archive)).download(tmp.resolve("out"));
            assertExtracted(dir, files);

            Path other = tmp.resolve("other");
            DownloadException e = assertThrows(DownloadException.class,
                    () -> new CifarDownloader(base + "/missing.tar.gz", md5(archive)).download(other));
            assertEquals("cannot download " + base + "/missing.tar.gz: HTTP 404 Not Found" + HINT, e.getMessage());
            assertEquals(Set.of(), names(other));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void wrongMd5DeletesThePartialFileAndExtractsNothing() throws Exception {
        Path archive = tarGz(tmp.resolve("cifar.tar.gz"), inDirectory(smallDataset()));
        Path out = tmp.resolve("out");
        String url = archive.toUri().toString();
        String wrong = "0123456789abcdef0123456789abcdef";

        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new CifarDownloader(url, wrong).download(out));

        assertEquals(url + ": MD5 of the download is " + md5(archive) + ", expected " + wrong
                + "; the file is corrupt or not cifar-10-binary.tar.gz (partial file deleted)", e.getMessage());
        assertEquals(Set.of(), names(out));
    }

    @Test
    void unreachableHostIsADownloadExceptionWithAHint() throws IOException {
        Path out = tmp.resolve("out");
        String url = "http://127.0.0.1:1/x.tar.gz";
        DownloadException e = assertThrows(DownloadException.class,
                () -> new CifarDownloader(url, CifarDownloader.DEFAULT_MD5).download(out));
        assertTrue(e.getMessage().startsWith("cannot download " + url + ": java.net.ConnectException"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(HINT), e.getMessage());
        assertEquals(Set.of(), names(out));
    }

    @Test
    void missingLocalFileIsADownloadException() {
        String url = tmp.resolve("nowhere.tar.gz").toUri().toString();
        DownloadException e = assertThrows(DownloadException.class,
                () -> new CifarDownloader(url, CifarDownloader.DEFAULT_MD5).download(tmp.resolve("out")));
        assertTrue(e.getMessage().startsWith("cannot download " + url + ": java.io.FileNotFoundException"),
                e.getMessage());
    }

    @Test
    void archiveWithoutAllBatchesIsRejectedAndNothingIsInstalled() throws Exception {
        Map<String, byte[]> files = smallDataset();
        files.remove("test_batch.bin");
        Path archive = tarGz(tmp.resolve("cifar.tar.gz"), inDirectory(files));
        Path out = tmp.resolve("out");
        String url = archive.toUri().toString();
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new CifarDownloader(url, md5(archive)).download(out));
        assertEquals(url + ": archive is not cifar-10-binary.tar.gz: missing test_batch.bin", e.getMessage());
        assertEquals(Set.of(), names(out));
    }

    @Test
    void entriesEscapingTheExtractionDirectoryAreRefused() throws Exception {
        Path archive = tarGz(tmp.resolve("evil.tar.gz"), Map.of("../../evil.bin", new byte[] {1, 2, 3}));
        Path out = tmp.resolve("a/b/out");
        String url = archive.toUri().toString();
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new CifarDownloader(url, md5(archive)).download(out));
        assertEquals(url + ": archive entry ../../evil.bin points outside the extraction directory", e.getMessage());
        assertEquals(Set.of(), names(out));
        assertFalse(Files.exists(tmp.resolve("a/evil.bin")));
        assertFalse(Files.exists(tmp.resolve("a/b/evil.bin")));
    }

    @Test
    void completeExistingCopyIsReusedWithoutTouchingTheNetwork() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out/cifar-10-batches-bin"));
        for (String name : CifarDownloader.FILES) {
            try (RandomAccessFile file = new RandomAccessFile(dir.resolve(name).toFile(), "rw")) {
                file.setLength(30_730_000L); // sparse: no real disk use
            }
        }
        String unreachable = "http://127.0.0.1:1/x.tar.gz";
        assertEquals(dir, new CifarDownloader(unreachable, CifarDownloader.DEFAULT_MD5).download(tmp.resolve("out")));
    }

    @Test
    void incompleteExistingCopyIsNeverOverwritten() throws Exception {
        Path archive = tarGz(tmp.resolve("cifar.tar.gz"), inDirectory(smallDataset()));
        Path out = tmp.resolve("out");
        CifarDownloader downloader = new CifarDownloader(archive.toUri().toString(), md5(archive));
        Path dir = downloader.download(out);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> downloader.download(out));
        assertEquals(dir + ": exists but is not a complete CIFAR-10 copy (data_batch_1.bin has 6146 bytes, "
                + "expected 30730000); remove it to download again, or pass a complete directory with --data",
                e.getMessage());
        assertEquals(6146, Files.size(dir.resolve("data_batch_1.bin")));
    }

    @Test
    void rejectsMalformedMd5() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CifarDownloader(CifarDownloader.DEFAULT_URL, "abc"));
        assertEquals("md5 must be 32 hexadecimal digits, got 'abc'", e.getMessage());
    }

    @Test
    void cifar100ArchiveUnpacksToItsFolderAndIsCheckedByItsOwnSizes() throws Exception {
        byte[] train = new byte[3 * 3074];
        byte[] test = new byte[2 * 3074];
        train[1] = 99;
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("cifar-100-binary/train.bin", train);
        entries.put("cifar-100-binary/test.bin", test);
        entries.put("cifar-100-binary/fine_label_names.txt", "apple\n".getBytes());
        Path archive = tarGz(tmp.resolve("c100.tar.gz"), entries);
        Path out = tmp.resolve("out100");
        Path dir = new CifarDownloader(CifarArchive.CIFAR100, archive.toUri().toString(), md5(archive)).download(out);
        assertEquals(out.resolve("cifar-100-binary"), dir);
        assertArrayEquals(train, Files.readAllBytes(dir.resolve("train.bin")));
        assertEquals(Set.of("cifar-100-binary"), names(out));
        // a CIFAR-10 archive given as CIFAR-100 has none of its files
        Path ten = tarGz(tmp.resolve("c10.tar.gz"), inDirectory(smallDataset()));
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> new CifarDownloader(
                CifarArchive.CIFAR100, ten.toUri().toString(), md5(ten)).download(tmp.resolve("o")));
        assertTrue(e.getMessage().contains("is not cifar-100-binary.tar.gz") && e.getMessage().contains("no directory"),
                e.getMessage());
        assertEquals("03b5dce01913d631647c71ecec9e9cb8", CifarArchive.CIFAR100.md5());
        assertEquals(153_700_000L, CifarArchive.CIFAR100.fileBytes("train.bin"));
    }
}
