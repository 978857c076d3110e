package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mkcnn.testutil.SharedCifar;
import io.mkcnn.testutil.SparkTest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Three epochs on 10,000 real CIFAR-10 training images with two workers, scored on 10,000 other real images:
 * well above chance (10%). Runs where the shared CIFAR-10 images are beside the project (as in CI).
 */
class RealCifarTest extends SparkTest {
    @TempDir
    Path out;

    @Test
    @Tag("study") // a real-data training run: with the studies' (mvn -B -ntp test -Pstudies), off the test command
    @SuppressWarnings("unchecked")
    void threeEpochsOnTenThousandRealImagesBeatChanceByFar() throws Exception {
        assumeTrue(SharedCifar.tool() != null, "shared CIFAR-10 images not beside the project");
        Path data = SharedCifar.batches();
        int code = Main.runWith(sc, "train", "--data", data.resolve("data_batch_1.bin").toString(),
                "--test", data.resolve("data_batch_5.bin").toString(), "--out", out.toString(),
                // 3 epochs: 12 rounds of the default H = 20, enough for the outer step's momentum to build up (after
                // 8 rounds the defaults scored 34.2%, after 12 47.1%; docs/accuracy.md)
                "--epochs", "3", "--workers", "2");
        assertEquals(0, code);
        Map<String, Object> m = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        Map<String, Object> test = (Map<String, Object>) m.get("test");
        double accuracy = ((Number) test.get("accuracy")).doubleValue();
        System.out.println("real CIFAR-10, 3 epochs on data_batch_1, test on data_batch_5: accuracy " + accuracy
                + ", training " + ((Map<String, Object>) m.get("training")).get("examples_per_second") + " examples/s");
        assertEquals(10_000, ((Number) test.get("examples")).intValue());
        assertTrue(accuracy > 0.35, "accuracy " + accuracy);
    }
}
