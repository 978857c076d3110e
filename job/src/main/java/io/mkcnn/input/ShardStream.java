package io.mkcnn.input;

import io.mkcnn.data.Augmenter;
import io.mkcnn.data.CifarRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;

/**
 * One worker's shard as an endless stream of training minibatches: epoch after epoch of the shard's records, each
 * epoch in its own seeded order, cut into minibatches of {@code batch} records that may span two epochs (so every
 * minibatch is full). Minibatch {@code i} depends only on the shard's records, the seed, the partition and {@code i}
 * (its augmentation draws from a generator seeded with those), so any minibatch can be made on any executor, in any
 * order, and a resumed run makes the same ones.
 */
public final class ShardStream {
    private final CifarRecord[] records;
    private final long seed;
    private final int partition;
    private final int batch;
    private final int classes;
    /** The orders of the last two epochs used (a minibatch spans at most two). */
    private int[] orderA;
    private long epochA = -1;
    private int[] orderB;
    private long epochB = -1;

    /**
     * @param records the shard's records in any order (a partition read from a shuffle arrives in any order; they
     *     are put in {@link CifarRecord#CONTENT_ORDER} first, which does not depend on their files)
     */
    public ShardStream(List<CifarRecord> records, long seed, int partition, int batch) {
        this(records, seed, partition, batch, io.mkcnn.data.CifarFormat.NUM_CLASSES);
    }

    /** As {@link #ShardStream(List, long, int, int)}, with labels one-hot over {@code classes}. */
    public ShardStream(List<CifarRecord> records, long seed, int partition, int batch, int classes) {
        List<CifarRecord> sorted = new ArrayList<>(records);
        sorted.sort(CifarRecord.CONTENT_ORDER);
        this.records = sorted.toArray(new CifarRecord[0]);
        this.seed = seed;
        this.partition = partition;
        this.batch = batch;
        this.classes = classes;
    }

    /** Records in the shard. */
    public int size() {
        return records.length;
    }

    /** Minibatch {@code i} (0-based) of the stream: augmented features [batch, 3, 24, 24], one-hot labels. */
    public DataSet minibatch(long i) {
        Random rng = new Random(mix(seed, partition, i));
        return Batches.toDataSet(records(i), classes, r -> Augmenter.train(r.pixels(), rng));
    }

    /** The records of minibatch {@code i}, in order: positions {@code i*batch ..} of the epochs laid end to end. */
    public synchronized List<CifarRecord> records(long i) {
        if (records.length == 0) {
            throw new IllegalStateException("shard " + partition + " holds no records");
        }
        List<CifarRecord> group = new ArrayList<>(batch);
        for (long q = i * batch; q < (i + 1) * batch; q++) {
            group.add(records[order(q / records.length)[(int) (q % records.length)]]);
        }
        return group;
    }

    /** The order of epoch {@code epoch} (0-based): a seeded shuffle of the sorted records. */
    private int[] order(long epoch) {
        if (epoch == epochA) {
            return orderA;
        }
        if (epoch == epochB) {
            return orderB;
        }
        List<Integer> idx = new ArrayList<>(records.length);
        for (int k = 0; k < records.length; k++) {
            idx.add(k);
        }
        Collections.shuffle(idx, new Random(seed * 1_000_003L + (epoch + 1) * 7919L + partition));
        int[] order = idx.stream().mapToInt(Integer::intValue).toArray();
        // keep the newer two
        if (epochA < epochB) {
            orderA = order;
            epochA = epoch;
        } else {
            orderB = order;
            epochB = epoch;
        }
        return order;
    }

    /** A 64-bit seed from three numbers (SplitMix64's finaliser over their combination). */
    static long mix(long seed, int partition, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + partition * 0xC2B2AE3D27D4EB4FL + i;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
