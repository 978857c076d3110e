package io.mkcnn.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;
import io.mkcnn.testutil.Faults;
import org.junit.jupiter.api.Test;

/** How a test's failure injection is installed, and that a real run has none. */
class RunFaultsTest {

    @Test
    void noneUnlessTheSystemPropertyNamesAHook() {
        assertSame(RunFaults.NONE, RunFaults.installed());
        try (Faults.Installed f = Faults.nanInRound(3)) {
            RunFaults faults = RunFaults.installed();
            assertInstanceOf(Faults.class, faults);
            assertTrue(faults.poisonRound(3));
            assertFalse(faults.poisonRound(2));
        }
        assertSame(RunFaults.NONE, RunFaults.installed(), "closed: gone");
    }

    @Test
    void aClassThatIsNoHookIsAConfigurationError() {
        System.setProperty(JobConfig.RUN_FAULTS_PROPERTY, "java.lang.String");
        try {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, RunFaults::installed);
            assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
        } finally {
            System.clearProperty(JobConfig.RUN_FAULTS_PROPERTY);
        }
    }
}
