package io.mkcnn.train;

import io.mkcnn.config.InvalidConfigException;
import io.mkcnn.config.JobConfig;

/**
 * Faults a test makes happen in a run, to reach the paths a user meets when things go wrong (a driver that fails
 * mid-run, a worker that returns NaN parameters). A real run has none. A test installs an implementation by
 * naming its class (public, with a public no-argument constructor) in the system property
 * {@value JobConfig#RUN_FAULTS_PROPERTY}, read when a run starts; the calls below come on the driver.
 */
public interface RunFaults {
    /** No faults. */
    RunFaults NONE = new RunFaults() {
    };

    /** After round {@code rounds} (the run's rounds so far) is recorded and checkpointed: throw to fail there. */
    default void afterRound(int rounds) {
    }

    /** Whether, in this 1-based round, one worker returns NaN parameters. */
    default boolean poisonRound(int round) {
        return false;
    }

    /** The hook the system property names, or {@link #NONE}. */
    static RunFaults installed() {
        String name = System.getProperty(JobConfig.RUN_FAULTS_PROPERTY);
        if (name == null || name.isBlank()) {
            return NONE;
        }
        try {
            return (RunFaults) Class.forName(name.trim()).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new InvalidConfigException(JobConfig.RUN_FAULTS_PROPERTY + "=" + name
                    + ": not a RunFaults class with a public no-argument constructor (" + e + ")");
        }
    }
}
