package io.mkcnn.cli;

import static io.mkcnn.input.CifarSource.Role.SCORING;
import static io.mkcnn.input.CifarSource.Role.TRAINING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.DataConfig;
import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.CifarSource;
import io.mkcnn.input.RecordInput;
import io.mkcnn.store.StorePaths;
import io.mkcnn.testutil.FileHashes;
import io.mkcnn.testutil.Images;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Inputs that look right and are wrong (scored records that are training records, a held-out fraction of nothing, an
 * output location that cannot be written) and inputs that look odd and are right (a colon in a file's name, raw
 * pixels that start as an image file does, a PNG file of exactly 3,072 bytes), through the command line: the exit
 * code, the message naming the file, key or row, the user's files as they were, and for the right ones the records
 * read.
 */
class ScoredAndOddInputsTest extends SparkTest {
    private static final String[] SMALL = {"--epochs", "1", "--workers", "2", "--set", "train.batch=32", "--set",
        "train.averaging.frequency=4"};
    private static final List<CifarRecord> TRAIN = Records.synthetic(600, 5);
    private static final List<CifarRecord> SCORED = Records.synthetic(200, 6);
    private static final DataConfig CIFAR10 = JobConfig.from(Map.of(), "test", Map.of()).data();

    @TempDir
    static Path dir;
    /** The user's files: {@code in/data_batch_1.bin} (600 records) and {@code in/scored/test 1.bin} (200 others). */
    static Path in;
    static Path batch;
    static Path scored;

    @BeforeAll
    static void files() throws Exception {
        in = dir.resolve("in");
        batch = Records.write(in.resolve("data_batch_1.bin"), TRAIN);
        scored = Records.write(in.resolve("scored").resolve("test 1.bin"), SCORED);
    }

    @AfterAll
    static void forgetSession() {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private static Map.Entry<Integer, String> train(String data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data, "--out", out.toString()));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        return cli(args.toArray(new String[0]));
    }

    /** Trains as a user would and checks the refusal: its exit code, no output, the user's files unchanged. */
    private static String refused(int code, String data, String... extra) throws Exception {
        return refused(code, dir.resolve("out-" + System.nanoTime()), data, extra);
    }

    /** As {@link #refused(int, String, String...)}, into {@code out}: left as it was, absent or empty. */
    private static String refused(int code, Path out, String data, String... extra) throws Exception {
        Map<String, String> before = FileHashes.of(in);
        boolean existed = Files.exists(out);
        var r = train(data, out, extra);
        assertEquals(code, r.getKey(), r.getValue());
        assertEquals(existed, Files.exists(out), "no output for refused input");
        if (existed) {
            try (var entries = Files.list(out)) {
                assertEquals(List.of(), entries.toList(), "nothing written");
            }
        }
        assertEquals(before, FileHashes.of(in), "the user's files are as they were");
        return r.getValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(Path out) throws Exception {
        return new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
    }

    private static List<CifarRecord> read(String path, CifarSource.Role role) {
        return RecordInput.read(sc, path, role, CIFAR10, 2).collect();
    }

    @Test
    void aScoredFileThatIsATrainingFileUnderAnotherNameOrACopyIsRefused() throws Exception {
        Path linked = Files.createDirectories(in.resolve("linked"));
        Files.createSymbolicLink(linked.resolve("valid.bin"), batch);
        Path copied = Files.createDirectories(in.resolve("copied"));
        Files.copy(batch, copied.resolve("valid.bin"));

        String err = refused(3, batch.toString(), "--validation", linked.toString());
        assertTrue(err.contains("validation data " + linked + " and training data " + batch + " share [file:"
                + linked.resolve("valid.bin") + " (the same file as file:" + batch + ")]"), err);
        err = refused(3, batch.toString(), "--test", linked.resolve("valid.bin").toString());
        assertTrue(err.contains("test data " + linked.resolve("valid.bin") + " and training data " + batch
                + " share [file:" + linked.resolve("valid.bin") + " (the same file as file:" + batch + ")]"), err);
        err = refused(3, batch.toString(), "--validation", copied.toString(), "--test", scored.toString());
        assertTrue(err.contains("validation data " + copied + ": file:" + copied.resolve("valid.bin")
                + " holds the same 600 records as the training file file:" + batch + " (a copy of it)"), err);
    }

    @Test
    void recordsAlsoTrainedOnAreCountedAndRefusedBeyondOnePercentOfTheScoredSet() throws Exception {
        List<CifarRecord> few = new ArrayList<>(SCORED);
        few.addAll(TRAIN.subList(0, 2));
        Path fewFile = Records.write(in.resolve("few").resolve("valid.bin"), few);
        Path out = dir.resolve("few-run");
        var r = train(batch.toString(), out, "--validation", fewFile.toString());
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> m = metrics(out);
        assertEquals(202, ((Number) m.get("validation_records")).intValue());
        assertEquals(2, ((Number) m.get("validation_records_in_training")).intValue(), "2 of 202: under 1%");
        assertEquals(0, ((Number) m.get("test_records_in_training")).intValue());

        List<CifarRecord> many = new ArrayList<>(SCORED);
        many.addAll(TRAIN.subList(0, 10));
        Path manyFile = Records.write(in.resolve("many").resolve("test.bin"), many);
        String err = refused(3, batch.toString(), "--test", manyFile.toString());
        assertTrue(err.contains("test data " + manyFile + ": 10 of its 210 records (4.76%) are also training records "
                + "(e.g. file:" + manyFile + "#20"), err);
        assertTrue(err.contains(" = file:" + batch + ", ") && err.contains("more than 1% of a test set's records "
                + "also trained on"), err);
    }

    @Test
    void aHeldOutFractionThatHoldsOutNothingIsAConfigurationError() throws Exception {
        String err = refused(2, batch.toString(), "--set", "data.validation.fraction=0.001");
        assertTrue(err.contains("data.validation.fraction=0.001 (command line): holds out 0 of the 600 training "
                + "records (round(n x 0.001) is 0 for each class; the largest has 60): give at least 0.0084, or "
                + "validation records of their own (--validation)"), err);
    }

    @Test
    void filesNamedByTimeOfDayAreRead() throws Exception {
        Path images = in.resolve("images");
        for (int i = 0; i < TRAIN.size(); i++) {
            CifarRecord r = TRAIN.get(i);
            String name = i == 3 ? "007 12:30 shot.PNG" : i + ".png";
            Path f = images.resolve(CifarFormat.CLASS_NAMES.get(r.label())).resolve(name);
            Files.createDirectories(f.getParent());
            Files.write(f, Images.png(r));
        }
        assertEquals("cat", images.resolve("cat").resolve("007 12:30 shot.PNG").getParent().getFileName().toString());
        Path test = Files.copy(scored, in.resolve("scored").resolve("test 12:30.bin"));
        Map<String, String> before = FileHashes.of(in);
        Path out = dir.resolve("run 12:30");
        var r = train(images.toString(), out, "--test", test.toString());
        assertEquals(0, r.getKey(), r.getValue());
        assertEquals(600, ((Number) metrics(out).get("training_records")).intValue());
        assertEquals(200, ((Number) metrics(out).get("test_records")).intValue());
        assertEquals(before, FileHashes.of(in));
        Records.assertSameContent(TRAIN, read(images.toString(), TRAINING));
        Records.assertSameContent(SCORED, read(test.toString(), SCORING));
        // a relative name with a colon before any '/' is a local file, not a scheme
        assertEquals(new org.apache.hadoop.fs.Path(new File("12:30 batch.bin").getAbsoluteFile().toURI()),
                StorePaths.given("12:30 batch.bin"));
    }

    @Test
    void rawPixelsThatStartAsAnImageFileAndAPngOfExactly3072BytesAreRead() throws Exception {
        List<CifarRecord> expected = new ArrayList<>(TRAIN);
        byte[] jpegStart = TRAIN.get(0).pixels();
        jpegStart[0] = (byte) 0xFF;
        jpegStart[1] = (byte) 0xD8;
        jpegStart[2] = (byte) 0xFF;
        byte[] pngStart = TRAIN.get(1).pixels();
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, 0, pngStart, 0, 8);
        byte[] smooth = new byte[CifarFormat.PIXEL_BYTES];
        for (int i = 0; i < smooth.length; i++) {
            smooth[i] = (byte) (i / 32 * 2);
        }
        expected.set(0, new CifarRecord(TRAIN.get(0).label(), jpegStart, "raw", 0));
        expected.set(1, new CifarRecord(TRAIN.get(1).label(), pngStart, "raw", 1));
        expected.set(2, new CifarRecord(TRAIN.get(2).label(), smooth, "png", 2));
        byte[] png3072 = Images.png(expected.get(2), CifarFormat.PIXEL_BYTES);
        assertEquals(CifarFormat.PIXEL_BYTES, png3072.length);

        StructType img = new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType);
        StructType schema = new StructType().add("img", img).add("label", DataTypes.LongType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            CifarRecord r = expected.get(i);
            byte[] bytes = i == 0 ? jpegStart : i == 1 ? pngStart : i == 2 ? png3072 : Images.png(r);
            rows.add(RowFactory.create(RowFactory.create(bytes, i + ".png"), (long) r.label()));
        }
        Path table = in.resolve("cifar 12:30 [v1].parquet");
        SparkSession.builder().sparkContext(sc.sc()).getOrCreate().createDataFrame(rows, schema).repartition(2)
                .write().parquet(table.toString());
        Map<String, String> before = FileHashes.of(in);
        Path out = dir.resolve("parquet-run");
        var r = train(table.toString(), out, "--test", scored.toString());
        assertEquals(0, r.getKey(), r.getValue());
        assertEquals(600, ((Number) metrics(out).get("training_records")).intValue());
        assertEquals(before, FileHashes.of(in));
        Records.assertSameContent(expected, read(table.toString(), TRAINING));
    }

    @Test
    void aReadOnlyOutputLocationIsNamedWithTheFileSystemsReason() throws Exception {
        Path readOnly = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean immutable = false;
        try {
            if (Files.isWritable(readOnly)) { // root writes there anyway: make the folder immutable, where it can be
                immutable = new ProcessBuilder("chattr", "+i", readOnly.toString()).start().waitFor() == 0;
                Assumptions.assumeTrue(immutable, "this user writes into read-only folders and cannot make one "
                        + "immutable (chattr +i)");
            }
            String why = "\\((Permission denied|Operation not permitted): ";
            String err = refused(2, readOnly, batch.toString(), "--test", scored.toString());
            assertTrue(err.matches("(?s).*file:" + readOnly + ": cannot take the run lock: the location is not "
                    + "writable " + why + readOnly + "/\\.run\\.lock\\.tmp-.*"), err);
            err = refused(2, readOnly.resolve("run"), batch.toString(), "--test", scored.toString());
            assertTrue(err.contains("file:" + readOnly.resolve("run") + ": cannot create the output directory: the "
                    + "location is not writable ("), err);
        } finally {
            if (immutable) {
                new ProcessBuilder("chattr", "-i", readOnly.toString()).start().waitFor();
            }
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
