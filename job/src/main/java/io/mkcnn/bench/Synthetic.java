package io.mkcnn.bench;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.SyntheticCifar;
import io.mkcnn.input.Batches;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.MultiDataSet;

/** The benchmarks' synthetic inputs: minibatches for one JVM, shards cached on the executors for Spark. */
final class Synthetic {
    private Synthetic() {
    }

    /** A minibatch of synthetic records (centre crops), balanced over the classes. */
    static MultiDataSet batch(int n, Random rng) {
        List<CifarRecord> group = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            group.add(SyntheticCifar.generate(j % 10, rng, j));
        }
        var ds = Batches.toDataSet(group, r -> io.mkcnn.data.Augmenter.eval(r.pixels()));
        return new MultiDataSet(ds.getFeatures(), ds.getLabels());
    }

    /**
     * {@code perWorker} synthetic records in each of {@code workers} partitions, made on the executors and cached
     * there as the job caches the records it reads: a parallelized list would travel inside every task of every round.
     */
    static JavaRDD<CifarRecord> shards(JavaSparkContext sc, int workers, int perWorker, long seed) {
        JavaRDD<CifarRecord> records = sc.parallelize(java.util.stream.IntStream.range(0, workers).boxed().toList(),
                workers).mapPartitionsWithIndex((p, ignored) -> {
                    Random rng = new Random(seed * 1_000_003L + p);
                    List<CifarRecord> shard = new ArrayList<>(perWorker);
                    for (int i = 0; i < perWorker; i++) {
                        shard.add(SyntheticCifar.generate(i % 10, rng, (long) p * perWorker + i));
                    }
                    return shard.iterator();
                }, true).persist(StorageLevel.MEMORY_ONLY());
        records.count();
        return records;
    }
}
