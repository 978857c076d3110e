package io.mkcnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.testutil.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a CPU without bf16 instructions, made so for real: oneDNN capped at AVX-512 without BF16
 * ({@code ONEDNN_MAX_CPU_ISA}, read when the library starts) in a child JVM. {@code bf16} is refused with exit 2
 * and nothing written; {@code auto} trains in fp32.
 */
class CpuWithoutBf16Test {
    @TempDir
    Path dir;

    private Process start(Path log, String... args) throws Exception {
        return ChildJvm.main(args).environment("ONEDNN_MAX_CPU_ISA", "AVX512_CORE").start(log);
    }

    @Test
    void bf16IsRefusedAndAutoTrainsInFp32() throws Exception {
        Path data = dir.resolve("data");
        SyntheticCifar.write(data, 256, 3);
        Path test = dir.resolve("test");
        SyntheticCifar.write(test, 64, 4);

        Path refused = dir.resolve("refused");
        Path log1 = dir.resolve("refused.log");
        Process p = start(log1, "train", "--data", data + "/*.bin", "--test", test + "/*.bin", "--out", refused.toString(), "--epochs", "1",
                "--set", "model.precision=bf16");
        assertTrue(p.waitFor(3, TimeUnit.MINUTES));
        String out1 = Files.readString(log1);
        assertEquals(2, p.exitValue(), out1);
        assertTrue(out1.contains("error: model.precision=bf16 needs a CPU with AVX512-BF16 or AMX-BF16; this one"
                + " offers AVX512_CORE (use model.precision=fp32 or auto)"), out1);
        assertFalse(Files.exists(refused), "nothing written on refusal");

        Path trained = dir.resolve("trained");
        Path log2 = dir.resolve("trained.log");
        Process q = start(log2, "train", "--data", data + "/*.bin", "--test", test + "/*.bin", "--out", trained.toString(), "--epochs", "1",
                "--set", "train.batch=32", "--set", "train.averaging.frequency=2");
        assertTrue(q.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, q.exitValue(), Files.readString(log2));
        Map<String, Object> m = new ObjectMapper().readValue(trained.resolve("metrics.json").toFile(), Map.class);
        Map<String, Object> training = (Map<String, Object>) m.get("training");
        assertEquals("fp32", training.get("driver_precision"), training.toString());
        Map<String, String> workers = (Map<String, String>) training.get("worker_precision");
        assertFalse(workers.isEmpty(), training.toString());
        assertTrue(workers.values().stream().allMatch("fp32"::equals), training.toString());
    }
}
