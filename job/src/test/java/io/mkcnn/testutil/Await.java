package io.mkcnn.testutil;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;

/** Waits for an event a test can observe, instead of sleeping for a time it hopes is enough. */
public final class Await {
    /** A condition that may read files. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {
    }

    /** Returns as soon as {@code condition} holds; fails with {@code what} if it still does not after {@code limit}. */
    public static void until(Condition condition, Duration limit, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                fail(what + ": not within " + limit.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }
}
