package io.mkcnn.input;

import io.mkcnn.data.Augmenter;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns records into network minibatches (NCHW float features, one-hot labels) on the executors: augmented and
 * shuffled per epoch for training, centre-cropped for evaluation. Randomness depends only on the seed, the
 * epoch, the partition and the record order, so an epoch's batches are reproducible.
 */
public final class Batches {
    private static final int FEATURES = CifarFormat.CHANNELS * CifarFormat.CROP_SIZE * CifarFormat.CROP_SIZE;

    private Batches() {
    }

    /**
     * One epoch of augmented, shuffled training minibatches of {@code batch} examples, labels one-hot over
     * {@code classes}.
     */
    public static JavaRDD<MultiDataSet> training(JavaRDD<CifarRecord> records, int batch, int classes, long seed,
                                                 int epoch) {
        return records.mapPartitionsWithIndex(new TrainPartition(batch, classes, seed, epoch), true);
    }

    /** Evaluation minibatches of a partition (centre crop, standardised), in record order. */
    public static Iterator<DataSet> evaluation(Iterator<CifarRecord> records, int batch, int classes) {
        return batches(records, batch, classes, r -> Augmenter.eval(r.pixels()));
    }

    /** Groups records into DataSets, transforming each record's pixels with {@code features}. */
    public static Iterator<DataSet> batches(Iterator<CifarRecord> records, int batch, int classes,
                                            Function<CifarRecord, float[]> features) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public DataSet next() {
                if (!records.hasNext()) {
                    throw new NoSuchElementException();
                }
                List<CifarRecord> group = new ArrayList<>(batch);
                while (records.hasNext() && group.size() < batch) {
                    group.add(records.next());
                }
                return toDataSet(group, classes, features);
            }
        };
    }

    /** A DataSet of CIFAR-10 records: features [n, 3, 24, 24], one-hot labels [n, 10]. */
    public static DataSet toDataSet(List<CifarRecord> group, Function<CifarRecord, float[]> features) {
        return toDataSet(group, CifarFormat.NUM_CLASSES, features);
    }

    /** A DataSet of the given records: features [n, 3, 24, 24], one-hot labels [n, classes]. */
    public static DataSet toDataSet(List<CifarRecord> group, int classes, Function<CifarRecord, float[]> features) {
        int n = group.size();
        float[] x = new float[n * FEATURES];
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            CifarRecord r = group.get(i);
            System.arraycopy(features.apply(r), 0, x, i * FEATURES, FEATURES);
            y[i * classes + r.label()] = 1f;
        }
        return new DataSet(
                Nd4j.create(x, new long[] {n, CifarFormat.CHANNELS, CifarFormat.CROP_SIZE, CifarFormat.CROP_SIZE}, 'c'),
                Nd4j.create(y, new long[] {n, classes}, 'c'));
    }

    /** The training transform of one partition for one epoch. */
    static final class TrainPartition implements Function2<Integer, Iterator<CifarRecord>, Iterator<MultiDataSet>> {
        private final int batch;
        private final int classes;
        private final long seed;
        private final int epoch;

        TrainPartition(int batch, int classes, long seed, int epoch) {
            this.batch = batch;
            this.classes = classes;
            this.seed = seed;
            this.epoch = epoch;
        }

        @Override
        public Iterator<MultiDataSet> call(Integer partition, Iterator<CifarRecord> it) {
            List<CifarRecord> all = new ArrayList<>();
            it.forEachRemaining(all::add);
            // a partition read from a shuffle arrives in any order: fix it before the seeded shuffle
            all.sort(CifarRecord.CONTENT_ORDER);
            long s = seed * 1_000_003L + epoch * 7919L + partition;
            Random rng = new Random(s);
            Collections.shuffle(all, rng);
            Iterator<DataSet> ds = batches(all.iterator(), batch, classes, r -> Augmenter.train(r.pixels(), rng));
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return ds.hasNext();
                }

                @Override
                public MultiDataSet next() {
                    DataSet d = ds.next();
                    return new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels());
                }
            };
        }
    }
}
