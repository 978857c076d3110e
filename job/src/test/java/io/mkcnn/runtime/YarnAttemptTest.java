package io.mkcnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.ExitCode;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which JVM is a YARN cluster-mode driver, which attempt it runs, and which failures end the application. */
class YarnAttemptTest {
    private static final Map<String, String> IN_CONTAINER =
            Map.of("CONTAINER_ID", "container_1700000000000_0007_02_000001");

    private static Properties props(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    @Test
    void onlyTheDriverOfAClusterModeApplicationHasAnAttempt() {
        Properties cluster = props("spark.master", "yarn", "spark.submit.deployMode", "cluster");
        assertTrue(YarnAttempt.of(IN_CONTAINER, cluster).isPresent());
        assertFalse(YarnAttempt.of(Map.of(), cluster).isPresent(), "not in a YARN container");
        assertFalse(YarnAttempt.of(IN_CONTAINER, props("spark.master", "yarn", "spark.submit.deployMode", "client"))
                .isPresent(), "a client-mode driver that happens to run in a container (a workflow launcher)");
        assertFalse(YarnAttempt.of(IN_CONTAINER, props("spark.master", "local[2]", "spark.submit.deployMode",
                "cluster")).isPresent());
    }

    @Test
    void theAttemptIsLastWhenNeitherSparkNorYarnAllowsAnother() {
        YarnAttempt second = YarnAttempt.of(IN_CONTAINER, props("spark.master", "yarn", "spark.submit.deployMode",
                "cluster", "spark.yarn.maxAppAttempts", "2", "spark.hadoop.yarn.resourcemanager.am.max-attempts",
                "4")).orElseThrow();
        assertEquals("appattempt_1700000000000_0007_000002", second.id().toString());
        assertTrue(second.isLast(), "Spark allows 2");
        assertFalse(YarnAttempt.of(IN_CONTAINER, props("spark.master", "yarn", "spark.submit.deployMode", "cluster",
                "spark.yarn.maxAppAttempts", "3", "spark.hadoop.yarn.resourcemanager.am.max-attempts", "4"))
                .orElseThrow().isLast());
        assertTrue(YarnAttempt.of(IN_CONTAINER, props("spark.master", "yarn", "spark.submit.deployMode", "cluster",
                "spark.yarn.maxAppAttempts", "3", "spark.hadoop.yarn.resourcemanager.am.max-attempts", "2"))
                .orElseThrow().isLast(), "YARN allows 2");
        assertTrue(YarnAttempt.of(IN_CONTAINER, props("spark.master", "yarn", "spark.submit.deployMode", "cluster"))
                .orElseThrow().isLast(), "YARN's default is 2 attempts");
    }

    @Test
    void onlyFailuresARetryCouldMendAreLeftForYarnToRetry() {
        assertTrue(ExitCode.retryable(ExitCode.FAILURE.code()));
        assertTrue(ExitCode.retryable(ExitCode.STOPPED.code()), "preempted: the next attempt resumes");
        assertTrue(ExitCode.retryable(128 + 15), "a second SIGTERM");
        for (ExitCode named : new ExitCode[] {ExitCode.INVALID_CONFIG, ExitCode.INVALID_INPUT, ExitCode.DIVERGED,
            ExitCode.LOCKED}) {
            assertFalse(ExitCode.retryable(named.code()), named.name());
        }
        assertFalse(ExitCode.retryable(0));
    }
}
