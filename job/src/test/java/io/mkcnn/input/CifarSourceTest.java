package io.mkcnn.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarSourceTest extends SparkTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryRecordOfEveryFileWithItsSourceAndIndex() throws Exception {
        List<CifarRecord> a = Records.synthetic(25, 1);
        List<CifarRecord> b = Records.synthetic(7, 2);
        Records.write(dir.resolve("data_batch_1.bin"), a);
        Records.write(dir.resolve("data_batch_2.bin"), b);
        Files.writeString(dir.resolve("readme.txt"), "not data");
        List<CifarRecord> got = CifarSource.read(sc, dir.toString(), 3).collect();
        assertEquals(32, got.size());
        CifarRecord r = got.stream().filter(x -> x.source().endsWith("data_batch_2.bin") && x.index() == 6)
                .findFirst().orElseThrow();
        assertEquals(b.get(6).label(), r.label());
        assertTrue(java.util.Arrays.equals(b.get(6).pixels(), r.pixels()));
        assertEquals(3, CifarSource.read(sc, dir.resolve("data_batch_*.bin").toString(), 3).getNumPartitions());
    }

    @Test
    void missingPathIsNamed() {
        String missing = dir.resolve("nope").toString();
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CifarSource.read(sc, missing, 2));
        assertEquals(missing + ": no such file or directory", e.getMessage());
    }

    @Test
    void emptyDirectoryIsRefused() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, empty.toString(), 2));
        assertEquals(empty + ": no CIFAR-10 binary files (*.bin) found", e.getMessage());
    }

    @Test
    void fileOfWrongSizeIsNamedWithItsSize() throws Exception {
        Path f = Records.write(dir.resolve("data_batch_1.bin"), Records.synthetic(3, 1));
        byte[] truncated = java.util.Arrays.copyOf(Files.readAllBytes(f), 3 * 3073 - 100);
        Files.write(f, truncated);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, f.toString(), 2));
        assertTrue(e.getMessage().contains("data_batch_1.bin: size 9119 bytes is not a multiple of the CIFAR-10"
                + " record size 3073 (2 whole records and 2973 bytes left over"), e.getMessage());
    }

    @Test
    void emptyFileIsNamed() throws Exception {
        Path f = Files.createFile(dir.resolve("data_batch_9.bin"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, f.toString(), 2));
        assertTrue(e.getMessage().contains("data_batch_9.bin: file is empty"), e.getMessage());
    }

    @Test
    void labelOutOfRangeFailsTheJobNamingFileAndRecord() throws Exception {
        Path f = Records.write(dir.resolve("data_batch_1.bin"), Records.synthetic(5, 1));
        byte[] bytes = Files.readAllBytes(f);
        bytes[3 * 3073] = 10;
        Files.write(f, bytes);
        SparkException e = assertThrows(SparkException.class, () -> CifarSource.read(sc, f.toString(), 2).count());
        Throwable cause = e;
        while (cause != null && !(cause instanceof InvalidDataException)) {
            cause = cause.getCause();
        }
        assertInstanceOf(InvalidDataException.class, cause, "cause chain: " + e);
        assertTrue(cause.getMessage().endsWith("data_batch_1.bin: record 3 has label 10, expected 0..9 "
                + "(is this a CIFAR-10 binary file?)"), cause.getMessage());
    }
}
