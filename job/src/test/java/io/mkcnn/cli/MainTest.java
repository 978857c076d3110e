package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.testutil.SparkTest;
import io.mkcnn.testutil.SyntheticData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** The commands end to end, as a user runs them: exit codes, outputs and the messages on stderr. */
class MainTest extends SparkTest {
    @TempDir
    static Path dir;
    static SyntheticData data;

    @BeforeAll
    static void syntheticData() {
        data = SyntheticData.write(dir.resolve("data"), 1200, 5);
    }




    @Test
    @SuppressWarnings("unchecked")
    void trainWritesALoadableModelAndMetricsThenEvaluateReproducesThem() throws Exception {
        Path out = dir.resolve("run");
        var r = cli("train", "--data", data.train(), "--test", data.test(), "--out", out.toString(), "--epochs", "2",
                "--workers", "2", "--set", "train.batch=32", "--set", "train.averaging.frequency=5");
        assertEquals(0, r.getKey(), r.getValue());
        ComputationGraph net = ModelSerializer.restoreComputationGraph(out.resolve("model.zip").toFile(), true);
        assertEquals(10, net.outputSingle(false, Nd4j.zeros(1, 3, 24, 24)).size(1));
        Map<String, Object> m = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        Map<String, Object> test = (Map<String, Object>) m.get("test");
        double accuracy = ((Number) test.get("accuracy")).doubleValue();
        assertTrue(accuracy > 0.5, "synthetic classes are learnable: accuracy " + accuracy);
        assertEquals(10, ((Map<String, Object>) test.get("per_class")).size());
        assertTrue(((Number) ((Map<String, Object>) m.get("training")).get("examples_per_second")).doubleValue() > 0);
        assertEquals("2", ((Map<String, Object>) m.get("configuration")).get("train.epochs"));
        assertTrue(Files.readString(out.resolve("config.properties")).contains("bn.mode=pooled"));

        Path evalOut = dir.resolve("eval");
        var e = cli("evaluate", "--model", out.resolve("model.zip").toString(), "--data", data.test(), "--out",
                evalOut.toString());
        assertEquals(0, e.getKey(), e.getValue());
        Map<String, Object> em = new ObjectMapper().readValue(evalOut.resolve("metrics.json").toFile(), Map.class);
        assertEquals(accuracy, ((Number) ((Map<String, Object>) em.get("test")).get("accuracy")).doubleValue(), 1e-9);

        // rerunning the finished run does nothing and succeeds (a scheduler may retry freely)
        long modified = Files.getLastModifiedTime(out.resolve("model.zip")).toMillis();
        var again = cli("train", "--data", data.train(), "--test", data.test(), "--out", out.toString(), "--epochs", "2",
                "--workers", "2", "--set", "train.batch=32", "--set", "train.averaging.frequency=5");
        assertEquals(0, again.getKey(), again.getValue());
        assertEquals(modified, Files.getLastModifiedTime(out.resolve("model.zip")).toMillis());

        // another configuration on the same directory is refused, and nothing is touched
        var other = cli("train", "--data", data.train(), "--test", data.test(), "--out", out.toString(), "--epochs", "3");
        assertEquals(2, other.getKey());
        assertTrue(other.getValue().contains("with another configuration"), other.getValue());
        assertTrue(other.getValue().contains("differing: train.averaging.frequency: 5 -> 20, train.batch: 32 -> 64, "
                + "train.epochs: 2 -> 3; see "), other.getValue());
        assertTrue(other.getValue().contains("pass --fresh to start over"), other.getValue());
        assertEquals(modified, Files.getLastModifiedTime(out.resolve("model.zip")).toMillis());

        // predictions of the saved model, read back with Spark SQL
        Path predOut = dir.resolve("pred");
        var p = cli("predict", "--model", out.resolve("model.zip").toString(), "--data", data.test(), "--out",
                predOut.toString());
        assertEquals(0, p.getKey(), p.getValue());
        var rows = org.apache.spark.sql.SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read()
                .parquet(predOut.resolve("predictions.parquet").toString()).collectAsList();
        assertEquals(((Number) test.get("examples")).intValue(), rows.size());
        long correct = 0;
        for (var row : rows) {
            java.util.List<Float> probs = row.getList(row.fieldIndex("probabilities"));
            assertEquals(10, probs.size());
            assertEquals(1.0, probs.stream().mapToDouble(Float::doubleValue).sum(), 1e-4);
            int predicted = row.getInt(row.fieldIndex("predicted_label"));
            for (float q : probs) {
                assertTrue(q <= probs.get(predicted));
            }
            assertEquals(io.mkcnn.data.CifarFormat.CLASS_NAMES.get(predicted),
                    row.getString(row.fieldIndex("class_name")));
            assertTrue(row.getString(row.fieldIndex("source")).endsWith("synthetic_test_batch.bin"));
            if (row.getInt(row.fieldIndex("true_label")) == predicted) {
                correct++;
            }
        }
        assertEquals(accuracy, correct / (double) rows.size(), 1e-9, "predictions agree with the evaluation");

        // --fresh moves the finished run aside and starts over
        var freshRun = cli("train", "--data", data.train(), "--test", data.test(), "--out", out.toString(), "--epochs", "1",
                "--set", "train.batch=32", "--fresh");
        assertEquals(0, freshRun.getKey(), freshRun.getValue());
        try (var siblings = Files.list(dir)) {
            Path aside = siblings.filter(x -> x.getFileName().toString().startsWith("run.previous-")).findFirst()
                    .orElseThrow();
            assertTrue(Files.exists(aside.resolve("model.zip")), "old run kept at " + aside);
        }
    }

    @Test
    void everyConfigurationProblemIsReportedAtOnce() {
        var r = cli("train", "--data", data.train(), "--test", data.test(), "--out", dir.resolve("x").toString(),
                "--workers", "0", "--set", "train.batch=-1", "--set", "bn.mode=average", "--set", "model.lr=0",
                "--set", "train.bacth=3");
        assertEquals(2, r.getKey());
        String err = r.getValue();
        assertTrue(err.contains("train.workers=0 (command line): expected an integer between 1 and 10000"), err);
        assertTrue(err.contains("train.batch=-1 (command line): expected an integer between 1 and 65536"), err);
        assertTrue(err.contains("bn.mode=average (command line): expected one of naive, pooled, recompute"), err);
        assertTrue(err.contains("model.lr=0 (command line): expected a number > 0"), err);
        assertTrue(err.contains("train.bacth (command line): unknown configuration key"), err);
        assertFalse(Files.exists(dir.resolve("x")), "nothing was created");
    }

    @Test
    void missingOptionsAndUnknownCommandAreArgumentErrors() {
        var r = cli("train", "--data", data.train());
        assertEquals(2, r.getKey());
        assertTrue(r.getValue().contains("train: missing required option --test (or a validation set"), r.getValue());
        assertTrue(r.getValue().contains("train: missing required option --out"), r.getValue());
        var u = cli("fit", "--data", "x");
        assertEquals(2, u.getKey());
        assertTrue(u.getValue().contains("unknown command 'fit'"), u.getValue());
    }

    @Test
    void badDataIsAnInputErrorNamingTheFile() throws Exception {
        Path bad = Files.write(dir.resolve("bad.bin"), new byte[100]);
        var r = cli("train", "--data", bad.toString(), "--test", data.test(), "--out", dir.resolve("y").toString());
        assertEquals(3, r.getKey());
        assertTrue(r.getValue().contains("bad.bin: size 100 bytes is not a multiple"), r.getValue());
    }

    @Test
    void aFileThatIsNotAModelIsAnInputError() throws Exception {
        Path notModel = Files.writeString(dir.resolve("model.zip"), "not a zip");
        var r = cli("evaluate", "--model", notModel.toString(), "--data", data.test(), "--out",
                dir.resolve("z").toString());
        assertEquals(3, r.getKey());
        assertTrue(r.getValue().contains("model.zip: not a model saved by train"), r.getValue());
    }

    @Test
    void testDataInsideTheTrainingDataIsRefused() {
        var r = cli("train", "--data", data.dir().toString(), "--test", data.test(), "--out",
                dir.resolve("w").toString());
        assertEquals(3, r.getKey());
        assertTrue(r.getValue().contains("synthetic_test_batch.bin]; pass the training batches alone"), r.getValue());
    }
}
