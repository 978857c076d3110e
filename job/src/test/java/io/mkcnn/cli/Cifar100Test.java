package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.store.ModelFiles;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CIFAR-100 run: generated CIFAR-100 records train and evaluate end to end with the fine labels' 100 outputs. */
class Cifar100Test extends SparkTest {
    @TempDir
    Path dir;

    /** Synthetic records in CIFAR-100's layout: coarse label 2y, fine label 10y for a synthetic class y. */
    private static Path write(Path file, List<CifarRecord> records) throws IOException {
        byte[] bytes = new byte[records.size() * 3074];
        for (int i = 0; i < records.size(); i++) {
            CifarRecord r = records.get(i);
            bytes[i * 3074] = (byte) (2 * r.label());
            bytes[i * 3074 + 1] = (byte) (10 * r.label());
            System.arraycopy(r.pixels(), 0, bytes, i * 3074 + 2, 3072);
        }
        return Files.write(file, bytes);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCifar100RunTrainsAndEvaluatesWithTheFineLabels() throws Exception {
        Path train = write(dir.resolve("train.bin"), Records.synthetic(640, 4));
        Path test = write(dir.resolve("test.bin"), Records.synthetic(200, 5));
        Path out = dir.resolve("run");
        var r = cli("train", "--data", train.toString(), "--test", test.toString(), "--out", out.toString(),
                "--epochs", "1", "--workers", "2", "--set", "data.format=cifar100", "--set", "train.batch=32",
                "--set", "train.averaging.frequency=5");
        assertEquals(0, r.getKey(), r.getValue());
        assertEquals(100, io.mkcnn.model.MultiKernelNet.classes(ModelFiles.load(sc.hadoopConfiguration(),
                out.resolve("model.zip").toString())));
        Map<String, Object> m = new ObjectMapper().readValue(out.resolve("metrics.json").toFile(), Map.class);
        Map<String, Object> perClass = (Map<String, Object>) ((Map<String, Object>) m.get("test")).get("per_class");
        assertEquals(100, perClass.size());
        assertTrue(perClass.containsKey("apple") && perClass.containsKey("worm"), perClass.keySet().toString());

        var e = cli("evaluate", "--model", out.resolve("model.zip").toString(), "--data", test.toString(), "--out",
                dir.resolve("eval").toString(), "--set", "data.format=cifar100");
        assertEquals(0, e.getKey(), e.getValue());
        // the same records read as CIFAR-10 are refused, and so is the model for CIFAR-10 data
        var asCifar10 = cli("evaluate", "--model", out.resolve("model.zip").toString(), "--data", test.toString(),
                "--out", dir.resolve("eval10").toString());
        assertEquals(3, asCifar10.getKey(), asCifar10.getValue());
        assertTrue(asCifar10.getValue().contains("the model scores 100 classes")
                && asCifar10.getValue().contains("data.format"), asCifar10.getValue());
    }
}
