package io.mkcnn.store;

import io.mkcnn.ExitCode;
import io.mkcnn.JobException;
import java.time.Duration;
import org.apache.hadoop.fs.Path;

/** Another live run holds the output directory's lock; the message names it. */
public final class RunLockedException extends JobException {
    public RunLockedException(String message) {
        super(ExitCode.LOCKED, message);
    }

    RunLockedException(Path lock, RunLock.Owner owner, double ageSeconds, Duration stale) {
        super(ExitCode.LOCKED, lock.getParent() + ": in use by " + owner.describe() + ", last heartbeat "
                + String.format("%.0f", ageSeconds) + " s ago (" + lock + "); wait for it to finish or stop it "
                + "first (SIGTERM stops it at a round boundary); a lock without a heartbeat for " + stale.toSeconds()
                + " s (run.lock.stale.seconds) is taken over. Nothing was written.");
    }
}
