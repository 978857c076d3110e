package io.mkcnn.train;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * Counts the Spark tasks running during a run. A cancelled round's tasks go on until they finish (Spark does not
 * interrupt them), reading the exported minibatches: those may only be deleted once no task runs.
 */
final class RunningTasks extends SparkListener {
    private int running;

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart start) {
        running++;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        running = Math.max(0, running - 1);
        notifyAll();
    }

    /** Waits until no task runs, at most {@code millis}; whether none runs. */
    synchronized boolean awaitNone(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            for (long left = millis; running > 0 && left > 0; left = (deadline - System.nanoTime()) / 1_000_000L) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return running == 0;
    }
}
