package io.mkcnn.testutil;

import io.mkcnn.config.JobConfig;
import io.mkcnn.train.RunFaults;

/**
 * The tests' failure injection: a driver that fails after a given round, or a worker that returns NaN parameters in
 * a given round, for runs started in this JVM while installed (or in a child JVM given the same system
 * properties).
 */
public final class Faults implements RunFaults {
    static final String FAIL_AFTER_ROUNDS = "mkcnn.test.fail.after.rounds";
    static final String NAN_ROUND = "mkcnn.test.nan.round";

    /** The faults as the system properties say; made by the job through {@link RunFaults#installed()}. */
    public Faults() {
    }

    @Override
    public void afterRound(int rounds) {
        if (rounds == Integer.getInteger(FAIL_AFTER_ROUNDS, 0)) {
            throw new IllegalStateException("injected failure after round " + rounds);
        }
    }

    @Override
    public boolean poisonRound(int round) {
        return round == Integer.getInteger(NAN_ROUND, 0);
    }

    /** Runs started until {@link Installed#close()} fail (exit 1) once round {@code rounds} is checkpointed. */
    public static Installed failAfterRound(int rounds) {
        return new Installed(FAIL_AFTER_ROUNDS, rounds);
    }

    /** In runs started until {@link Installed#close()}, one worker returns NaN parameters in round {@code round}. */
    public static Installed nanInRound(int round) {
        return new Installed(NAN_ROUND, round);
    }

    /** The hook and one fault, installed through system properties until closed. */
    public static final class Installed implements AutoCloseable {
        private final String key;

        private Installed(String key, int value) {
            this.key = key;
            System.setProperty(JobConfig.RUN_FAULTS_PROPERTY, Faults.class.getName());
            System.setProperty(key, String.valueOf(value));
        }

        @Override
        public void close() {
            System.clearProperty(key);
            System.clearProperty(JobConfig.RUN_FAULTS_PROPERTY);
        }
    }
}
