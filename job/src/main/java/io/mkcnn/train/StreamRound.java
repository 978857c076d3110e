package io.mkcnn.train;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.ShardStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.api.java.function.Function2;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's part of a round under {@code train.approach=stream}: the task runs on the executor that caches its
 * shard's records (Spark schedules it there), takes minibatches {@code first .. first+count-1} of the shard's
 * {@link ShardStream} (made there, each while the one before trains) and trains them with the round's worker.
 */
final class StreamRound implements Function2<Integer, Iterator<CifarRecord>, Iterator<ParameterAveragingTrainingResult>> {
    /**
     * Threads that make minibatches, kept for the JVM's life (a thread and an ND4J prefetch workspace made for every
     * task cost more than a small round's training).
     */
    private static final ExecutorService PREPARE = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "shard-minibatches");
        t.setDaemon(true);
        return t;
    });

    private final BnAwareWorker worker;
    private final String token;
    private final long seed;
    private final int batch;
    private final int classes;
    private final long first;
    private final int count;

    StreamRound(BnAwareWorker worker, String token, long seed, int batch, int classes, long first, int count) {
        this.worker = worker;
        this.token = token;
        this.seed = seed;
        this.batch = batch;
        this.classes = classes;
        this.first = first;
        this.count = count;
    }

    @Override
    public Iterator<ParameterAveragingTrainingResult> call(Integer partition, Iterator<CifarRecord> records) {
        ShardStream shard = ShardState.stream(token, partition, () -> {
            List<CifarRecord> all = new ArrayList<>();
            records.forEachRemaining(all::add);
            return new ShardStream(all, seed, partition, batch, classes);
        });
        if (shard.size() == 0 || count == 0) {
            return Collections.emptyIterator();
        }
        // the next minibatch is made on a kept thread while this one trains (the first while the network is taken)
        Future<MultiDataSet> next = PREPARE.submit(() -> minibatch(shard, first));
        try {
            ComputationGraph net = worker.getInitialModelGraph();
            for (int k = 0; k < count; k++) {
                MultiDataSet current = await(next);
                long following = first + k + 1;
                next = k + 1 < count ? PREPARE.submit(() -> minibatch(shard, following)) : null;
                ParameterAveragingTrainingResult last = worker.processMinibatch(current, net, k == count - 1);
                if (last != null) { // DL4J's worker returns its result with the last minibatch
                    return Collections.singletonList(last).iterator();
                }
            }
            return Collections.singletonList(worker.getFinalResult(net)).iterator();
        } finally {
            if (next != null) {
                next.cancel(true);
            }
            Nd4j.getExecutioner().commit();
        }
    }

    private static MultiDataSet minibatch(ShardStream shard, long i) {
        DataSet d = shard.minibatch(i);
        return new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels());
    }

    private static MultiDataSet await(Future<MultiDataSet> minibatch) {
        try {
            return minibatch.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a minibatch was being made", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("making a minibatch failed", cause);
        }
    }
}
