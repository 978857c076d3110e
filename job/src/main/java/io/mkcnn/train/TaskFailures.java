package io.mkcnn.train;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts, on the driver, Spark task attempts that failed (and were retried) and executors lost during a run. */
final class TaskFailures extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(TaskFailures.class);
    private final AtomicInteger failedTasks = new AtomicInteger();
    private final AtomicInteger lostExecutors = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.reason() != Success$.MODULE$) {
            failedTasks.incrementAndGet();
            LOG.warn("task {} of stage {} failed ({}); Spark retries it", end.taskInfo().taskId(), end.stageId(),
                    end.reason().getClass().getSimpleName());
        }
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        lostExecutors.incrementAndGet();
        LOG.warn("executor {} removed: {}", removed.executorId(), removed.reason());
    }

    int failedTasks() {
        return failedTasks.get();
    }

    int lostExecutors() {
        return lostExecutors.get();
    }
}
