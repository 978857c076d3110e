package io.mkcnn.input;

import static io.mkcnn.input.CifarSource.Role.SCORING;
import static io.mkcnn.input.CifarSource.Role.TRAINING;
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
        List<CifarRecord> got = CifarSource.read(sc, dir.toString(), TRAINING, 3).collect();
        assertEquals(32, got.size());
        CifarRecord r = got.stream().filter(x -> x.source().endsWith("data_batch_2.bin") && x.index() == 6)
                .findFirst().orElseThrow();
        assertEquals(b.get(6).label(), r.label());
        assertTrue(java.util.Arrays.equals(b.get(6).pixels(), r.pixels()));
        assertEquals(3, CifarSource.read(sc, dir.resolve("data_batch_*.bin").toString(), TRAINING, 3).getNumPartitions());
    }

    @Test
    void missingPathIsNamed() {
        String missing = dir.resolve("nope").toString();
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> CifarSource.read(sc, missing, TRAINING, 2));
        assertEquals(missing + ": no such file or directory", e.getMessage());
    }

    @Test
    void emptyDirectoryIsRefused() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, empty.toString(), TRAINING, 2));
        assertEquals(empty + ": no CIFAR-10 binary files (*.bin) found for training", e.getMessage());
    }

    @Test
    void fileOfWrongSizeIsNamedWithItsSize() throws Exception {
        Path f = Records.write(dir.resolve("data_batch_1.bin"), Records.synthetic(3, 1));
        byte[] truncated = java.util.Arrays.copyOf(Files.readAllBytes(f), 3 * 3073 - 100);
        Files.write(f, truncated);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, f.toString(), TRAINING, 2));
        assertTrue(e.getMessage().contains("data_batch_1.bin: size 9119 bytes is not a multiple of the CIFAR-10"
                + " record size 3073 (2 whole records and 2973 bytes left over"), e.getMessage());
    }

    @Test
    void emptyFileIsNamed() throws Exception {
        Path f = Files.createFile(dir.resolve("data_batch_9.bin"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.read(sc, f.toString(), TRAINING, 2));
        assertTrue(e.getMessage().contains("data_batch_9.bin: file is empty"), e.getMessage());
    }

    @Test
    void labelOutOfRangeFailsTheJobNamingFileAndRecord() throws Exception {
        Path f = Records.write(dir.resolve("data_batch_1.bin"), Records.synthetic(5, 1));
        byte[] bytes = Files.readAllBytes(f);
        bytes[3 * 3073] = 10;
        Files.write(f, bytes);
        SparkException e = assertThrows(SparkException.class, () -> CifarSource.read(sc, f.toString(), TRAINING, 2).count());
        Throwable cause = e;
        while (cause != null && !(cause instanceof InvalidDataException)) {
            cause = cause.getCause();
        }
        assertInstanceOf(InvalidDataException.class, cause, "cause chain: " + e);
        assertTrue(cause.getMessage().endsWith("data_batch_1.bin: record 3 has label 10, expected 0..9 "
                + "(is this a CIFAR-10 binary file?)"), cause.getMessage());
    }

    private static List<String> names(List<org.apache.hadoop.fs.Path> files) {
        return files.stream().map(org.apache.hadoop.fs.Path::getName).toList();
    }

    @Test
    void aFolderInTheOfficialLayoutTrainsOnItsTrainingBatchesAndScoresItsTestBatch() throws Exception {
        Records.write(dir.resolve("data_batch_1.bin"), Records.synthetic(4, 1));
        Records.write(dir.resolve("data_batch_2.bin"), Records.synthetic(4, 2));
        Records.write(dir.resolve("test_batch.bin"), Records.synthetic(3, 3));
        Files.writeString(dir.resolve("batches.meta.txt"), "airplane\n");
        var conf = sc.hadoopConfiguration();
        assertEquals(List.of("data_batch_1.bin", "data_batch_2.bin"),
                names(CifarSource.listFiles(dir.toString(), TRAINING, conf)));
        assertEquals(List.of("test_batch.bin"),
                names(CifarSource.listFiles(dir.toString(), SCORING, conf)));
        // named itself, the test batch is what the user asked for
        assertEquals(List.of("test_batch.bin"), names(CifarSource.listFiles(dir.resolve("test_batch.bin").toString(),
                TRAINING, conf)));
        // a glob for scoring may reach it; one for training may not
        assertEquals(List.of("data_batch_1.bin", "data_batch_2.bin", "test_batch.bin"),
                names(CifarSource.listFiles(dir.resolve("*.bin").toString(), SCORING, conf)));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarSource.listFiles(dir.resolve("*_batch*.bin").toString(), TRAINING, conf));
        assertTrue(e.getMessage().startsWith(dir.resolve("*_batch*.bin") + ": the pattern matches file:"
                + dir.resolve("test_batch.bin") + ", the CIFAR-10 test batch"), e.getMessage());
    }

    @Test
    void aPathThatExistsIsReadLiterallyWhateverItsNameHolds() throws Exception {
        // "batch[1].bin" is also a glob that matches "batch1.bin": the file of that very name wins
        Records.write(dir.resolve("batch[1].bin"), Records.synthetic(5, 1));
        Records.write(dir.resolve("batch1.bin"), Records.synthetic(2, 2));
        Records.write(dir.resolve("_underscore, comma.bin"), Records.synthetic(3, 3));
        var conf = sc.hadoopConfiguration();
        assertEquals(List.of("batch[1].bin"), names(CifarSource.listFiles(dir.resolve("batch[1].bin").toString(),
                TRAINING, conf)));
        assertEquals(5, CifarSource.read(sc, dir.resolve("batch[1].bin").toString(), TRAINING, 2)
                .count());
        // a name starting with '_' is skipped in folders and globs, but read when named; a comma is part of the name
        assertEquals(3, CifarSource.read(sc, dir.resolve("_underscore, comma.bin").toString(),
                TRAINING, 2).count());
        // several files with commas, brackets and spaces reach the input format exactly
        assertEquals(10, CifarSource.read(sc, List.of(new org.apache.hadoop.fs.Path(dir.resolve("batch[1].bin").toUri()),
                new org.apache.hadoop.fs.Path(dir.resolve("_underscore, comma.bin").toUri()),
                new org.apache.hadoop.fs.Path(dir.resolve("batch1.bin").toUri())), io.mkcnn.data.BinaryLayout.CIFAR10,
                2).count());
        // a folder whose name holds glob characters is the fixed part of a glob once escaped
        Path odd = Files.createDirectories(dir.resolve("odd [x] {y} *"));
        Records.write(odd.resolve("data_batch_1.bin"), Records.synthetic(4, 4));
        String glob = io.mkcnn.store.StorePaths.globEscape(odd.toString()) + "/data_batch_*.bin";
        assertEquals(4, CifarSource.read(sc, glob, TRAINING, 2).count());
    }
}
