package io.mkcnn.input;

import static io.mkcnn.input.CifarSource.Role.SCORING;
import static io.mkcnn.input.CifarSource.Role.TRAINING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.DataConfig;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's inputs: CIFAR binary files, a Parquet table in the public CIFAR-10 layout and an image folder
 * built from the same PNG images give the same records and the same shards; CIFAR-100 records; bad folders named.
 */
class RecordInputTest extends SparkTest {
    private static final List<CifarRecord> RECORDS = Records.synthetic(40, 11);
    private static final DataConfig CIFAR10 = data(Map.of());

    @TempDir
    Path dir;

    private static DataConfig data(Map<String, String> set) {
        return JobConfig.from(Map.of(), "test", set).data();
    }

    @AfterAll
    static void forgetSession() {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    static BufferedImage image(CifarRecord r, int size, int type) {
        BufferedImage img = new BufferedImage(size, size, type);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = (r.pixel(0, y % 32, x % 32) << 16) | (r.pixel(1, y % 32, x % 32) << 8)
                        | r.pixel(2, y % 32, x % 32);
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** {@code records} as {@code root/<class>/<i>.png}. */
    static Path folder(Path root, List<CifarRecord> records) throws IOException {
        for (int i = 0; i < records.size(); i++) {
            CifarRecord r = records.get(i);
            Path f = root.resolve(CifarFormat.CLASS_NAMES.get(r.label())).resolve(i + ".png");
            Files.createDirectories(f.getParent());
            Files.write(f, png(image(r, 32, BufferedImage.TYPE_INT_RGB)));
        }
        return root;
    }

    /** {@code records} as a Parquet table of the public CIFAR-10 layout: {@code img} {bytes, path}, int64 label. */
    static Path parquet(Path table, List<CifarRecord> records) throws IOException {
        StructType img = new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType);
        StructType schema = new StructType().add("img", img).add("label", DataTypes.LongType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            CifarRecord r = records.get(i);
            rows.add(RowFactory.create(RowFactory.create(png(image(r, 32, BufferedImage.TYPE_INT_RGB)), i + ".png"),
                    (long) r.label()));
        }
        SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, schema).repartition(3)
                .write().parquet(table.toString());
        return table;
    }

    private static List<CifarRecord> read(Path path, DataConfig data) {
        return RecordInput.read(sc, path.toString(), TRAINING, data, 2).collect().stream()
                .sorted(CifarRecord.CONTENT_ORDER).toList();
    }

    @Test
    void binaryParquetAndImageFolderInputsOfTheSamePngImagesGiveTheSameRecordsAndShards() throws IOException {
        Path bin = Records.write(dir.resolve("data_batch_1.bin"), RECORDS);
        Path table = parquet(dir.resolve("cifar.parquet.d"), RECORDS);
        Path images = folder(dir.resolve("images"), RECORDS);
        assertEquals(RecordInput.Kind.CIFAR_BINARY, RecordInput.list(bin.toString(), TRAINING, CIFAR10, conf()).kind());
        assertEquals(RecordInput.Kind.PARQUET, RecordInput.list(table.toString(), TRAINING, CIFAR10, conf()).kind());
        assertEquals(RecordInput.Kind.IMAGE_FOLDER,
                RecordInput.list(images.toString(), TRAINING, CIFAR10, conf()).kind());
        List<CifarRecord> expected = RECORDS.stream().sorted(CifarRecord.CONTENT_ORDER).toList();
        Records.assertSameContent(expected, read(bin, CIFAR10));
        Records.assertSameContent(expected, read(table, CIFAR10));
        Records.assertSameContent(expected, read(images, CIFAR10));
        // and the workers' shares, made from the canonical order, are the same too
        List<List<Long>> shares = shares(bin);
        assertEquals(shares, shares(table));
        assertEquals(shares, shares(images));
    }

    private static List<List<Long>> shares(Path path) {
        return Shards.iid(RecordInput.read(sc, path.toString(), SCORING, CIFAR10, 3), 2).glom()
                .map(l -> l.stream().map(CifarRecord::contentHash).collect(java.util.stream.Collectors.toList()))
                .collect();
    }

    private static org.apache.hadoop.conf.Configuration conf() {
        return sc.hadoopConfiguration();
    }

    @Test
    void imageFolderProblemsNameTheFolderOrFile() throws IOException {
        Path root = folder(dir.resolve("ok"), RECORDS.subList(0, 4));
        Files.createDirectories(root.resolve("dragon"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> RecordInput.list(root.toString(), TRAINING, CIFAR10, conf()));
        assertTrue(e.getMessage().contains("dragon") && e.getMessage().contains("is not a class name")
                && e.getMessage().contains("airplane, automobile"), e.getMessage());
        Files.delete(root.resolve("dragon"));

        Path notes = root.resolve(CifarFormat.CLASS_NAMES.get(RECORDS.get(0).label())).resolve("notes.txt");
        Files.writeString(notes, "x");
        e = assertThrows(InvalidDataException.class, () -> RecordInput.list(root.toString(), TRAINING, CIFAR10,
                conf()));
        assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("not a PNG or JPEG file"),
                e.getMessage());
        Files.delete(notes);

        Path big = root.resolve("cat").resolve("big.png");
        Files.createDirectories(big.getParent());
        Files.write(big, png(image(RECORDS.get(0), 64, BufferedImage.TYPE_INT_RGB)));
        SparkException failed = assertThrows(SparkException.class, () -> read(root, CIFAR10));
        assertTrue(failed.getMessage().contains("big.png") && failed.getMessage().contains("is 64x64, expected 32x32"),
                failed.getMessage());
        Files.write(big, png(image(RECORDS.get(0), 32, BufferedImage.TYPE_BYTE_GRAY)));
        failed = assertThrows(SparkException.class, () -> read(root, CIFAR10));
        assertTrue(failed.getMessage().contains("big.png") && failed.getMessage().contains("has 1 channel(s)"),
                failed.getMessage());
        Files.write(big, png(image(RECORDS.get(0), 32, BufferedImage.TYPE_INT_ARGB)));
        failed = assertThrows(SparkException.class, () -> read(root, CIFAR10));
        assertTrue(failed.getMessage().contains("big.png") && failed.getMessage().contains("has 4 channel(s)"),
                failed.getMessage());
        Files.write(big, "not an image".getBytes());
        failed = assertThrows(SparkException.class, () -> read(root, CIFAR10));
        assertTrue(failed.getMessage().contains("big.png") && failed.getMessage().contains("is not a PNG or JPEG"),
                failed.getMessage());
        Files.delete(big);

        Path download = Files.createDirectories(dir.resolve("download").resolve("cifar-10-batches-bin"));
        e = assertThrows(InvalidDataException.class, () -> RecordInput.list(download.getParent().toString(),
                TRAINING, CIFAR10, conf()));
        assertTrue(e.getMessage().contains("only the folders cifar-10-batches-bin: give the folder that holds the "
                + ".bin files"), e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty").resolve("cat"));
        e = assertThrows(InvalidDataException.class, () -> RecordInput.list(empty.getParent().toString(), TRAINING,
                CIFAR10, conf()));
        assertTrue(e.getMessage().contains("no images found"), e.getMessage());
    }

    @Test
    void parquetColumnsComeFromTheConfiguration() throws IOException {
        Path table = parquet(dir.resolve("t"), RECORDS.subList(0, 6));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> read(table, data(Map.of("data.image.column", "image"))));
        assertTrue(e.getMessage().contains("no column 'image'") && e.getMessage().contains("img, label"),
                e.getMessage());
        assertEquals(6, read(table, data(Map.of("data.label.column", "label"))).size());
    }

    @Test
    void cifar100RecordsCarryTheFineOrCoarseLabelAndAreRefusedAsCifar10() throws IOException {
        byte[] file = new byte[3 * 3074];
        for (int i = 0; i < 3; i++) {
            file[i * 3074] = (byte) (19 - i); // coarse
            file[i * 3074 + 1] = (byte) (99 - i); // fine
            file[i * 3074 + 2 + i] = 7; // the pixels tell the records apart
        }
        Path train = Files.write(dir.resolve("train.bin"), file);
        List<Integer> fine = RecordInput.read(sc, train.toString(), TRAINING, data(Map.of("data.format", "cifar100")),
                1).map(CifarRecord::label).collect();
        assertEquals(List.of(99, 98, 97), fine);
        List<Integer> coarse = RecordInput.read(sc, train.toString(), TRAINING, data(Map.of("data.format",
                "cifar100", "data.cifar100.labels", "coarse")), 1).map(CifarRecord::label).collect();
        assertEquals(List.of(19, 18, 17), coarse);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> RecordInput.list(train.toString(), TRAINING, CIFAR10, conf()));
        assertTrue(e.getMessage().contains("not a multiple of the CIFAR-10 record size 3073")
                && e.getMessage().contains("set data.format=cifar100"), e.getMessage());
        // a folder of CIFAR-100's files: test.bin is the test file
        Files.write(dir.resolve("test.bin"), file);
        assertEquals(List.of("test.bin"), RecordInput.list(dir.toString(), SCORING, data(Map.of("data.format",
                "cifar100")), conf()).files().stream().map(org.apache.hadoop.fs.Path::getName).toList());
    }
}
