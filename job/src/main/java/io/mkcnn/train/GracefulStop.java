package io.mkcnn.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT for a training driver: the first asks the run to stop at the next round boundary (checked by
 * the trainer) and, if the round in flight has not ended within the grace time, runs {@code abandon} (which
 * cancels the run's Spark jobs); a second signal exits at once with 128 + the signal's number. These replace the
 * JVM's own handlers (which would start the shutdown hooks, stopping the SparkContext under the running round)
 * until {@link #close()} restores them.
 */
final class GracefulStop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);
    private static final String[] SIGNALS = {"TERM", "INT"};

    private final int graceSeconds;
    private final Runnable abandon;
    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "graceful-stop");
        t.setDaemon(true);
        return t;
    });
    /** The first signal's name; each signal is handled on a thread of its own, so the first is decided atomically. */
    private final java.util.concurrent.atomic.AtomicReference<String> signal =
            new java.util.concurrent.atomic.AtomicReference<>();
    private volatile Runnable beforeHalt = () -> { };

    private GracefulStop(int graceSeconds, Runnable abandon) {
        this.graceSeconds = graceSeconds;
        this.abandon = abandon;
    }

    /** Installs the handlers; where the JVM refuses a signal (e.g. started with -Xrs) it is left alone. */
    static GracefulStop install(int graceSeconds, Runnable abandon) {
        GracefulStop stop = new GracefulStop(graceSeconds, abandon);
        for (String name : SIGNALS) {
            try {
                Signal s = new Signal(name);
                stop.previous.add(Signal.handle(s, stop::handle));
                stop.installed.add(s);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debug("SIG{} not handled: {}", name, e.toString());
            }
        }
        return stop;
    }

    /** What to do, quickly, before a second signal halts the JVM (release the run lock). */
    void beforeHalt(Runnable r) {
        beforeHalt = r;
    }

    /** Whether a stop was asked for. */
    boolean requested() {
        return signal.get() != null;
    }

    /** "SIGTERM" or "SIGINT", or null. */
    String signal() {
        return signal.get();
    }

    private void handle(Signal s) {
        String name = "SIG" + s.getName();
        if (!signal.compareAndSet(null, name)) {
            System.err.println("second SIG" + s.getName() + ": exiting at once; rerun the same command to resume "
                    + "from the last checkpoint");
            Thread release = new Thread(beforeHalt, "release-before-halt");
            release.setDaemon(true);
            release.start();
            try {
                release.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(128 + s.getNumber());
        }
        LOG.warn("{} received: stopping after the round in flight (abandoning it after stop.grace.seconds={} s), "
                + "then writing a checkpoint; a second signal exits at once", name, graceSeconds);
        timer.schedule(() -> {
            LOG.warn("{}: the round did not end within {} s: abandoning it (the checkpoint holds the last completed "
                    + "round)", signal, graceSeconds);
            abandon.run();
        }, graceSeconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (int i = 0; i < installed.size(); i++) {
            Signal.handle(installed.get(i), previous.get(i));
        }
    }
}
