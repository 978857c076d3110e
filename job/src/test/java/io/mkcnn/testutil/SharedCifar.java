package io.mkcnn.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real CIFAR-10 training images kept beside the project ({@code ../shared}), written once as CIFAR-10
 * binary files under {@code target/cifar10} by the workplace's {@code cifar10-train} tool.
 */
public final class SharedCifar {
    private SharedCifar() {
    }

    /** The tool, or null when the shared folder is not beside the project. */
    public static Path tool() {
        for (Path base : new Path[] {Path.of("..", "..", "shared"), Path.of("..", "shared")}) {
            Path t = base.resolve("tools").resolve("cifar10-train").toAbsolutePath().normalize();
            if (Files.isExecutable(t)) {
                return t;
            }
        }
        return null;
    }

    /** The directory holding data_batch_1.bin .. data_batch_5.bin (written on first use). */
    public static Path batches() throws IOException, InterruptedException {
        Path out = Path.of("target", "cifar10").toAbsolutePath();
        Process p = new ProcessBuilder(tool().toString(), out.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("cifar10-train failed with exit code " + p.exitValue());
        }
        return out;
    }
}
