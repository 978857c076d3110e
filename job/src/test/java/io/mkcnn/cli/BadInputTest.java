package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.model.ModelOptions;
import io.mkcnn.model.MultiKernelNet;
import io.mkcnn.model.NetworkSpec;
import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalogue of bad input a user could plausibly give: each gets a clear message naming what is wrong, a
 * documented non-zero exit code, and leaves existing output alone. No test here trains.
 */
class BadInputTest extends SparkTest {
    @TempDir
    static Path dir;
    static SyntheticData data;

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(dir.resolve("data"), 200, 3);
    }




    /** Runs train with the given data and test paths into a new output directory, which must stay absent. */
    private static String trainFails(int code, String train, String test, String... extra) {
        Path out = dir.resolve("out-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of("train", "--data", train, "--test", test, "--out",
                out.toString()));
        args.addAll(Arrays.asList(extra));
        var r = cli(args.toArray(new String[0]));
        assertEquals(code, r.getKey(), r.getValue());
        assertFalse(Files.exists(out), "no output created for bad input");
        return r.getValue();
    }

    private static Path copyWith(String name, byte[] bytes) throws Exception {
        Path d = Files.createDirectories(dir.resolve("case-" + System.nanoTime()));
        return Files.write(d.resolve(name), bytes);
    }

    @Test
    void missingDataPath() {
        String err = trainFails(3, dir.resolve("no-such-dir").toString(), data.test());
        assertTrue(err.contains("no-such-dir: no such file or directory"), err);
    }

    @Test
    void missingTestData() {
        String err = trainFails(3, data.firstBatch(), dir.resolve("no-test.bin").toString());
        assertTrue(err.contains("no-test.bin: no such file or directory"), err);
    }

    @Test
    void studyWithMissingDataCreatesNoFolder() {
        Path out = dir.resolve("study-" + System.nanoTime());
        var r = cli("bn-study", "--data", dir.resolve("no-such.bin").toString(), "--test", data.test(), "--out",
                out.toString());
        assertEquals(3, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("no-such.bin: no such file or directory"), r.getValue());
        assertFalse(Files.exists(out), "no study folder created for bad input");
    }

    @Test
    void emptyDirectory() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String err = trainFails(3, empty.toString(), data.test());
        assertTrue(err.contains("empty: no CIFAR-10 binary files (*.bin) found"), err);
    }

    @Test
    void fileOfTheWrongSize() throws Exception {
        Path f = copyWith("data_batch_1.bin", new byte[5000]);
        String err = trainFails(3, f.toString(), data.test());
        assertTrue(err.contains("data_batch_1.bin: size 5000 bytes is not a multiple of the CIFAR-10 record size 3073"),
                err);
    }

    @Test
    void truncatedLastRecord() throws Exception {
        byte[] whole = Files.readAllBytes(Path.of(data.firstBatch()));
        Path f = copyWith("data_batch_1.bin", Arrays.copyOf(whole, whole.length - 1000));
        String err = trainFails(3, f.toString(), data.test());
        assertTrue(err.contains("(199 whole records and 2073 bytes left over: truncated or not a CIFAR-10 file?)"), err);
    }

    @Test
    void labelOfTenOrMoreNamesFileAndRecord() throws Exception {
        byte[] bytes = Files.readAllBytes(Path.of(data.firstBatch()));
        bytes[17 * 3073] = (byte) 200;
        Path f = copyWith("data_batch_1.bin", bytes);
        String err = trainFails(3, f.toString(), data.test());
        assertTrue(err.contains("data_batch_1.bin: record 17 has label 200, expected 0..9"), err);
    }

    @Test
    void jpegAmongTheRecords() throws Exception {
        byte[] jpeg = new byte[3073 * 2];
        jpeg[0] = (byte) 0xFF;
        jpeg[1] = (byte) 0xD8;
        jpeg[2] = (byte) 0xFF;
        Path f = copyWith("data_batch_2.bin", jpeg);
        Files.copy(Path.of(data.firstBatch()), f.resolveSibling("data_batch_1.bin"));
        String err = trainFails(3, f.getParent().toString(), data.test());
        assertTrue(err.contains("data_batch_2.bin: looks like a JPEG image, not CIFAR-10 binary records"), err);
    }

    @Test
    void unreadableFile() throws Exception {
        Path d = Files.createDirectories(dir.resolve("dangling"));
        Files.createSymbolicLink(d.resolve("data_batch_1.bin"), d.resolve("gone.bin"));
        String err = trainFails(3, d.resolve("data_batch_1.bin").toString(), data.test());
        assertTrue(err.contains("data_batch_1.bin"), err);
    }

    @Test
    void outputPathIsAnExistingFile() throws Exception {
        Path file = Files.writeString(dir.resolve("precious.txt"), "keep me");
        var r = cli("train", "--data", data.firstBatch(), "--test", data.test(), "--out", file.toString());
        assertEquals(2, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("precious.txt: output path is an existing file, expected a directory"),
                r.getValue());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void outputHoldingARunOfAnotherConfiguration() throws Exception {
        Path out = Files.createDirectories(dir.resolve("other-run"));
        Files.writeString(out.resolve("run.json"), "{\"run_id\":\"ab12\",\"config_hash\":\"000000000000\"}");
        var r = cli("train", "--data", data.firstBatch(), "--test", data.test(), "--out", out.toString());
        assertEquals(2, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("holds run ab12 with another configuration (hash 000000000000"),
                r.getValue());
        assertEquals(List.of("run.json"), Files.list(out).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void configurationErrorsAllAtOnce() throws Exception {
        Path conf = Files.writeString(dir.resolve("job.properties"), "train.batch=-64\nbn.mode=mean\nmodle.lr=1\n");
        var r = cli("train", "--data", data.firstBatch(), "--test", data.test(), "--out", dir.resolve("never").toString(),
                "--conf", conf.toString(), "--workers", "0", "--set", "model.lr=0", "--set", "train.epochs=two");
        assertEquals(2, r.getKey(), r.getValue());
        String err = r.getValue();
        for (String expected : List.of(
                "train.batch=-64 (" + conf + "): expected an integer between 1 and 65536",
                "bn.mode=mean (" + conf + "): expected one of naive, pooled, recompute",
                "modle.lr (" + conf + "): unknown configuration key",
                "train.workers=0 (command line): expected an integer between 1 and 10000",
                "model.lr=0 (command line): expected a number > 0",
                "train.epochs=two (command line): expected an integer")) {
            assertTrue(err.contains(expected), "missing '" + expected + "' in:\n" + err);
        }
        assertFalse(Files.exists(dir.resolve("never")));
    }

    @Test
    void modelFileThatIsNotAModel() throws Exception {
        Path notModel = Files.write(dir.resolve("photo.zip"), new byte[] {1, 2, 3});
        var r = cli("evaluate", "--model", notModel.toString(), "--data", data.test(), "--out",
                dir.resolve("e1").toString());
        assertEquals(3, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("photo.zip: not a model saved by train"), r.getValue());
    }

    @Test
    void modelForAnotherShape() throws Exception {
        Path fiveClasses = dir.resolve("five.zip");
        ModelSerializer.writeModel(MultiKernelNet.create(new NetworkSpec(24, 3, 5, 8, List.of(1, 3), 8, 3, 5, false),
                ModelOptions.defaults()), fiveClasses.toFile(), false);
        var r = cli("evaluate", "--model", fiveClasses.toString(), "--data", data.test(), "--out",
                dir.resolve("e2").toString());
        assertEquals(3, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains("five.zip: model gives 5 outputs; no label set has 5 (CIFAR-10: 10"),
                r.getValue());

        Path grey = dir.resolve("grey.zip");
        ModelSerializer.writeModel(MultiKernelNet.create(new NetworkSpec(24, 1, 5, 8, List.of(1, 3), 8, 3, 10, false),
                ModelOptions.defaults()), grey.toFile(), false);
        var g = cli("predict", "--model", grey.toString(), "--data", data.test(), "--out", dir.resolve("e3").toString());
        assertEquals(3, g.getKey(), g.getValue());
        assertTrue(g.getValue().contains("grey.zip: model does not accept 3x24x24 CIFAR crops"), g.getValue());
    }

    @Test
    void unknownSubcommand() {
        var r = cli("trian", "--data", data.firstBatch());
        assertEquals(2, r.getKey());
        assertTrue(r.getValue().contains("unknown command 'trian'"), r.getValue());
        assertTrue(r.getValue().contains("usage: submit.sh"), r.getValue());
    }

    @Test
    void localOnlyCommandsRefuseAnotherFilesystem() {
        for (String command : List.of("generate", "download", "demo")) {
            List<String> args = new ArrayList<>(List.of(command, "--out", "hdfs://namenode:8020/cifar data"));
            if (command.equals("generate")) {
                args.addAll(List.of("--records", "10"));
            }
            var r = cli(args.toArray(new String[0]));
            assertEquals(2, r.getKey(), r.getValue());
            assertTrue(r.getValue().contains(command + ": --out hdfs://namenode:8020/cifar data: expected a local "
                    + "folder (" + command + " writes with local file I/O)"), r.getValue());
        }
        assertFalse(Files.exists(Path.of("hdfs:")), "no local folder named after the URI");
    }
}
