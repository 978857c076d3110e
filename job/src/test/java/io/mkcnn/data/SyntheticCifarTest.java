package io.mkcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCifarTest {
    @TempDir
    Path tmp;

    private static List<CifarRecord> read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(0, bytes.length % CifarFormat.RECORD_BYTES, file + " size " + bytes.length);
        List<CifarRecord> records = new ArrayList<>();
        for (int i = 0; i < bytes.length / CifarFormat.RECORD_BYTES; i++) {
            int from = i * CifarFormat.RECORD_BYTES;
            records.add(CifarRecord.parse(Arrays.copyOfRange(bytes, from, from + CifarFormat.RECORD_BYTES),
                    file.toString(), i));
        }
        return records;
    }

    private static int[] labelCounts(List<CifarRecord> records) {
        int[] counts = new int[CifarFormat.NUM_CLASSES];
        records.forEach(r -> counts[r.label()]++);
        return counts;
    }

    private static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void writesCifarSizedFilesOfAtMostTenThousandRecordsWithBalancedLabels() throws IOException {
        Path out = tmp.resolve("synthetic");
        SyntheticCifar.write(out, 10_005, 7);

        assertEquals(Set.of("synthetic_batch_1.bin", "synthetic_batch_2.bin", "synthetic_test_batch.bin", "README.txt"),
                names(out));
        assertEquals(10_000L * 3073, Files.size(out.resolve("synthetic_batch_1.bin")));
        assertEquals(5L * 3073, Files.size(out.resolve("synthetic_batch_2.bin")));
        assertEquals(2_001L * 3073, Files.size(out.resolve("synthetic_test_batch.bin")));

        int[] expected = new int[10];
        Arrays.fill(expected, 1000);
        assertArrayEquals(expected, labelCounts(read(out.resolve("synthetic_batch_1.bin"))));
        int[] test = labelCounts(read(out.resolve("synthetic_test_batch.bin")));
        for (int count : test) {
            assertTrue(count == 200 || count == 201, Arrays.toString(test));
        }
        assertEquals(5, Arrays.stream(labelCounts(read(out.resolve("synthetic_batch_2.bin")))).filter(c -> c == 1).count());

        String readme = Files.readString(out.resolve("README.txt"), StandardCharsets.UTF_8);
        assertTrue(readme.startsWith("This is a SYNTHETIC dataset in CIFAR-10 binary format. It is NOT real CIFAR-10."),
                readme);
        assertTrue(readme.contains("seed 7"), readme);
        assertTrue(readme.contains("Training records: 10005 in 2 file(s)"), readme);
        assertTrue(readme.contains("Test records: 2001"), readme);
    }

    @Test
    void smallDatasetsGetAtLeastAThousandTestRecords() throws IOException {
        Path out = tmp.resolve("small");
        SyntheticCifar.write(out, 30, 1);
        assertEquals(30L * 3073, Files.size(out.resolve("synthetic_batch_1.bin")));
        assertEquals(1000L * 3073, Files.size(out.resolve("synthetic_test_batch.bin")));
        int[] expected = new int[10];
        Arrays.fill(expected, 3);
        assertArrayEquals(expected, labelCounts(read(out.resolve("synthetic_batch_1.bin"))));
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        SyntheticCifar.write(tmp.resolve("a"), 40, 5);
        SyntheticCifar.write(tmp.resolve("b"), 40, 5);
        SyntheticCifar.write(tmp.resolve("c"), 40, 6);
        for (String name : List.of("synthetic_batch_1.bin", "synthetic_test_batch.bin", "README.txt")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(name)),
                    Files.readAllBytes(tmp.resolve("b").resolve(name)), name);
        }
        assertFalse(Arrays.equals(Files.readAllBytes(tmp.resolve("a/synthetic_batch_1.bin")),
                Files.readAllBytes(tmp.resolve("c/synthetic_batch_1.bin"))));
        byte[] train = Files.readAllBytes(tmp.resolve("a/synthetic_batch_1.bin"));
        byte[] test = Files.readAllBytes(tmp.resolve("a/synthetic_test_batch.bin"));
        assertFalse(Arrays.equals(Arrays.copyOf(train, 40 * 3073), Arrays.copyOf(test, 40 * 3073)),
                "test set must be drawn with a different seed");
    }

    @Test
    void refusesNonEmptyDirectoryAndLeavesItAlone() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(out.resolve("keep.txt"), "mine");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> SyntheticCifar.write(out, 10, 1));
        assertEquals(out + ": directory is not empty; refusing to overwrite, "
                + "choose a new or empty directory for the synthetic dataset", e.getMessage());
        assertEquals(Set.of("keep.txt"), names(out));
        assertEquals("mine", Files.readString(out.resolve("keep.txt")));
    }

    @Test
    void acceptsAnExistingEmptyDirectoryAndRejectsAFile() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        SyntheticCifar.write(empty, 10, 1);
        assertTrue(Files.exists(empty.resolve("synthetic_batch_1.bin")));
        Path file = Files.writeString(tmp.resolve("file"), "x");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> SyntheticCifar.write(file, 10, 1));
        assertTrue(e.getMessage().startsWith(file + ": exists and is not a directory"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SyntheticCifar.write(tmp.resolve("zero"), 0, 1));
    }

    @Test
    void generateIsDeterministicAndKeepsTheLabel() {
        CifarRecord a = SyntheticCifar.generate(4, new Random(3), 12);
        CifarRecord b = SyntheticCifar.generate(4, new Random(3), 12);
        assertEquals(a, b);
        assertEquals(4, a.label());
        assertEquals(12, a.index());
        assertFalse(Arrays.equals(a.pixels(), SyntheticCifar.generate(4, new Random(4), 12).pixels()));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCifar.generate(10, new Random(), 0));
    }

    private static double[] meanColour(CifarRecord r) {
        double[] m = new double[3];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    m[c] += r.pixel(c, y, x) / 1024.0;
                }
            }
        }
        return m;
    }

    /**
     * A nearest-class-mean classifier on mean colour beats chance (10%) by far, so the classes carry
     * signal; it stays well short of perfect, so a network has to use the pattern too.
     */
    @Test
    void classesAreLearnableButNotByColourAlone() {
        double[][] centroid = new double[10][3];
        Random train = new Random(100);
        for (int i = 0; i < 2000; i++) {
            double[] m = meanColour(SyntheticCifar.generate(i % 10, train, i));
            for (int c = 0; c < 3; c++) {
                centroid[i % 10][c] += m[c] / 200;
            }
        }
        Random test = new Random(200);
        int correct = 0;
        for (int i = 0; i < 500; i++) {
            double[] m = meanColour(SyntheticCifar.generate(i % 10, test, i));
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int k = 0; k < 10; k++) {
                double d = 0;
                for (int c = 0; c < 3; c++) {
                    d += (m[c] - centroid[k][c]) * (m[c] - centroid[k][c]);
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = k;
                }
            }
            correct += best == i % 10 ? 1 : 0;
        }
        double accuracy = correct / 500.0;
        assertTrue(accuracy > 0.4, "nearest-mean accuracy " + accuracy);
        assertTrue(accuracy < 0.9, "nearest-mean accuracy " + accuracy);
    }
}
