package io.mkcnn.testutil;

import io.mkcnn.data.SyntheticCifar;
import java.nio.file.Path;

/** Synthetic CIFAR-10 files a test class writes once: training batches and a test batch in {@code dir}. */
public record SyntheticData(Path dir) {

    /** Writes {@code records} training records (and a test batch) drawn with {@code seed} into {@code dir}. */
    public static SyntheticData write(Path dir, int records, long seed) {
        SyntheticCifar.write(dir, records, seed);
        return new SyntheticData(dir);
    }

    /** Every training batch, as a glob. */
    public String train() {
        return dir.resolve("synthetic_batch_*.bin").toString();
    }

    /** The first training batch. */
    public String firstBatch() {
        return dir.resolve("synthetic_batch_1.bin").toString();
    }

    /** The test batch. */
    public String test() {
        return dir.resolve("synthetic_test_batch.bin").toString();
    }
}
