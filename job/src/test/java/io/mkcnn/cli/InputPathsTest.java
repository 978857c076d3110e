package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.FileHashes;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * What a path on the command line means, as a user meets it on day one: the official CIFAR-10 folder given as
 * {@code --data} (its test batch is never trained on), a glob that reaches the test batch (refused), and paths whose
 * names hold spaces, commas, '%', '#', brackets, braces and glob characters (every input and output works, and the
 * user's files stay as they were).
 */
class InputPathsTest extends SparkTest {
    private static final String[] SMALL = {"--epochs", "1", "--workers", "2", "--set", "train.batch=32", "--set",
        "train.averaging.frequency=4"};

    @TempDir
    static Path dir;
    /** A folder in the layout the official archive unpacks to: 600 training and 200 test records. */
    static Path official;

    @BeforeAll
    static void officialLayout() throws Exception {
        Path synthetic = dir.resolve("synthetic");
        SyntheticCifar.write(synthetic, 600, 11);
        official = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
        byte[] train = Files.readAllBytes(synthetic.resolve("synthetic_batch_1.bin"));
        byte[] test = Files.readAllBytes(synthetic.resolve("synthetic_test_batch.bin"));
        assertEquals(600 * 3073, train.length);
        Files.write(official.resolve("data_batch_1.bin"), train);
        Files.write(official.resolve("test_batch.bin"), java.util.Arrays.copyOf(test, 200 * 3073));
        Files.writeString(official.resolve("batches.meta.txt"), "airplane\nautomobile\n");
        Files.writeString(official.resolve("readme.html"), "<html></html>");
    }


    private static String[] train(String data, String test, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data, "--test", test, "--out",
                out.toString()));
        args.addAll(List.of(SMALL));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(Path out) throws Exception {
        return new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void officialFolderTrainsOnItsTrainingBatchesAndScoresItsTestBatch() throws Exception {
        Map<String, String> before = FileHashes.of(official);
        Path out = dir.resolve("official-run");
        var r = cli(train(official.toString(), official.toString(), out));
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> m = metrics(out);
        assertEquals(600, ((Number) m.get("training_records")).intValue());
        assertEquals(200, ((Number) m.get("test_records")).intValue());
        assertEquals(512, ((Number) ((Map<String, Object>) m.get("training")).get("examples")).intValue(),
                "two rounds of 2 x 4 x 32, the round boundary nearest one epoch over the 600 training records");
        assertEquals(before, FileHashes.of(official));
    }

    @Test
    void globReachingTheTestBatchIsRefused() throws Exception {
        Map<String, String> before = FileHashes.of(official);
        Path out = dir.resolve("glob-run");
        var r = cli(train(official.resolve("*.bin").toString(), official.resolve("test_batch.bin").toString(), out));
        assertEquals(3, r.getKey(), r.getValue());
        assertTrue(r.getValue().contains(official.resolve("*.bin") + ": the pattern matches file:"
                + official.resolve("test_batch.bin") + ", the CIFAR-10 test batch; test records are not trained on "
                + "unless named"), r.getValue());
        assertFalse(Files.exists(out), "no output for refused input");
        assertEquals(before, FileHashes.of(official));

        // a folder whose only record file is the test batch has nothing to train on
        Path onlyTest = Files.createDirectories(dir.resolve("only-test"));
        Files.copy(official.resolve("test_batch.bin"), onlyTest.resolve("test_batch.bin"));
        var t = cli(train(onlyTest.toString(), official.resolve("test_batch.bin").toString(), out));
        assertEquals(3, t.getKey(), t.getValue());
        assertTrue(t.getValue().contains("only-test: no CIFAR-10 binary files (*.bin) found for training (a folder's "
                + "test_batch.bin is never trained on; name the file itself to train on it)"), t.getValue());
        assertFalse(Files.exists(out));
    }

    @Test
    @SuppressWarnings("unchecked")
    void pathsWithSpacesCommasPercentHashBracketsAndGlobCharacters() throws Exception {
        Path home = Files.createDirectories(dir.resolve("my data, [1] {a} #%20 *?"));
        Files.copy(official.resolve("data_batch_1.bin"), home.resolve("train 1,[a]#%2C.bin"));
        Files.copy(official.resolve("test_batch.bin"), home.resolve("test {1} 50%.bin"));
        // a folder of the user's own as the export directory: the run leaves it as it found it
        Path export = Files.createDirectories(dir.resolve("my export [x]"));
        Files.writeString(export.resolve("keep me.txt"), "the user's");
        Map<String, String> before = FileHashes.of(dir.resolve("my data, [1] {a} #%20 *?"));
        Path out = dir.resolve("my out, 100% #1").resolve("run [x] {y}");
        String data = home.resolve("train 1,[a]#%2C.bin").toString();
        String test = home.resolve("test {1} 50%.bin").toString();

        var r = cli(train(data, test, out, "--set", "train.approach=export", "--set", "train.export.dir=" + export));
        assertEquals(0, r.getKey(), r.getValue());
        Map<String, Object> m = metrics(out);
        assertEquals(600, ((Number) m.get("training_records")).intValue());
        assertEquals(200, ((Number) m.get("test_records")).intValue());
        assertTrue(Files.isRegularFile(out.resolve("model.zip")));
        assertEquals(List.of("keep me.txt"), Files.list(export).map(p -> p.getFileName().toString()).toList(),
                "the run removes what it exported and nothing else");
        assertFalse(Files.exists(out.resolve("_export")));

        // a rerun of the finished run recognises it and leaves its model as it was
        long written = Files.getLastModifiedTime(out.resolve("model.zip")).toMillis();
        var again = cli(train(data, test, out, "--set", "train.approach=export", "--set", "train.export.dir=" + export));
        assertEquals(0, again.getKey(), again.getValue());
        assertEquals(written, Files.getLastModifiedTime(out.resolve("model.zip")).toMillis());

        Path evalOut = dir.resolve("eval out, #2 [z]");
        var e = cli("evaluate", "--model", out.resolve("model.zip").toString(), "--data", test, "--out",
                evalOut.toString());
        assertEquals(0, e.getKey(), e.getValue());
        assertEquals(((Number) ((Map<String, Object>) m.get("test")).get("accuracy")).doubleValue(),
                ((Number) ((Map<String, Object>) metrics(evalOut).get("test")).get("accuracy")).doubleValue(), 1e-9);

        Path predictOut = dir.resolve("predict out %3 {w}");
        var p = cli("predict", "--model", out.resolve("model.zip").toString(), "--data", test, "--out",
                predictOut.toString());
        assertEquals(0, p.getKey(), p.getValue());
        assertTrue(Files.isDirectory(predictOut.resolve("predictions.parquet")));

        assertEquals(before, FileHashes.of(dir.resolve("my data, [1] {a} #%20 *?")), "the user's data is untouched");
    }

    @Test
    void demoInAFolderWhoseNameIsAGlob() {
        Path out = dir.resolve("demo [1] *");
        var r = cli("demo", "--out", out.toString(), "--records", "300", "--epochs", "1", "--set", "train.batch=32",
                "--set", "train.averaging.frequency=4");
        assertEquals(0, r.getKey(), r.getValue());
        assertTrue(Files.isRegularFile(out.resolve("run").resolve("model.zip")));
    }
}
