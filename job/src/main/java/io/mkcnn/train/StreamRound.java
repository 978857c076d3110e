package io.mkcnn.train;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.input.ShardStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One worker's part of a round under {@code train.approach=stream}: the task runs on the executor that caches its
 * shard's records (Spark schedules it there), takes minibatches {@code first .. first+count-1} of the shard's
 * {@link ShardStream} (made there, while the previous minibatch trains) and trains them with the round's worker.
 */
final class StreamRound implements Function2<Integer, Iterator<CifarRecord>, Iterator<ParameterAveragingTrainingResult>> {
    private static final int PREFETCH = 2;

    private final BnAwareWorker worker;
    private final String token;
    private final long seed;
    private final int batch;
    private final long first;
    private final int count;

    StreamRound(BnAwareWorker worker, String token, long seed, int batch, long first, int count) {
        this.worker = worker;
        this.token = token;
        this.seed = seed;
        this.batch = batch;
        this.first = first;
        this.count = count;
    }

    @Override
    public Iterator<ParameterAveragingTrainingResult> call(Integer partition, Iterator<CifarRecord> records) {
        ShardStream shard = ShardState.stream(token, partition, () -> {
            List<CifarRecord> all = new ArrayList<>();
            records.forEachRemaining(all::add);
            return new ShardStream(all, seed, partition, batch);
        });
        if (shard.size() == 0) {
            return Collections.emptyIterator();
        }
        AsyncMultiDataSetIterator batches = new AsyncMultiDataSetIterator(new Minibatches(shard, first, count),
                PREFETCH);
        try {
            ComputationGraph net = worker.getInitialModelGraph();
            while (batches.hasNext()) {
                MultiDataSet next = batches.next();
                ParameterAveragingTrainingResult last = worker.processMinibatch(next, net, !batches.hasNext());
                if (last != null) { // DL4J's worker returns its result with the last minibatch
                    return Collections.singletonList(last).iterator();
                }
            }
            return Collections.singletonList(worker.getFinalResult(net)).iterator();
        } finally {
            Nd4j.getExecutioner().commit();
            batches.shutdown();
        }
    }

    /** Minibatches {@code first .. first+count-1} of a shard's stream. */
    private static final class Minibatches implements MultiDataSetIterator {
        private final ShardStream shard;
        private final long first;
        private final int count;
        private int next;

        Minibatches(ShardStream shard, long first, int count) {
            this.shard = shard;
            this.first = first;
            this.count = count;
        }

        @Override
        public boolean hasNext() {
            return next < count;
        }

        @Override
        public MultiDataSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            var d = shard.minibatch(first + next++);
            return new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels());
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return true;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException();
        }
    }
}
