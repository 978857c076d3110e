package io.mkcnn.input;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;

/**
 * A seeded, class-stratified fraction of the training records held out for validation
 * ({@code data.validation.fraction}). Each record gets a key from its content and the seed; of a class of
 * {@code n} records, the {@code round(n * fraction)} with the smallest keys are held out. The split depends on the
 * records' contents and the seed alone, not on file names, order or partitioning; records equal in content share
 * a key and so fall on the same side.
 */
public final class ValidationSplit {
    private ValidationSplit() {
    }

    /**
     * The training and the held-out records.
     *
     * @param train the records left to train on
     * @param validation the held-out records
     */
    public record Split(JavaRDD<CifarRecord> train, JavaRDD<CifarRecord> validation) {
    }

    /**
     * Splits {@code records} (read twice: cache them first).
     *
     * @param classes the label set's size
     * @throws InvalidDataException when a fraction leaves no record of some class to train on
     */
    public static Split split(JavaRDD<CifarRecord> records, double fraction, long seed, int classes) {
        Map<Integer, Long> counts = records.map(CifarRecord::label).countByValue();
        int[] heldOut = new int[classes];
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
            heldOut[e.getKey()] = heldOut(e.getValue(), fraction);
            if (heldOut[e.getKey()] >= e.getValue()) {
                throw new InvalidDataException("data.validation.fraction=" + fraction + " holds out all "
                        + e.getValue() + " training records of class " + e.getKey() + ", leaving none to train on");
            }
        }
        long[][] smallest = records.mapPartitions(new SmallestKeys(heldOut, seed)).treeReduce(new Merge(heldOut));
        long[] last = new long[classes];
        for (int c = 0; c < classes; c++) {
            last[c] = smallest[c].length == 0 ? Long.MIN_VALUE : smallest[c][smallest[c].length - 1];
        }
        Held held = new Held(last, heldOut, seed);
        return new Split(records.filter(r -> !held.test(r)), records.filter(held::test));
    }

    /** Records of a class of {@code n} held out: {@code round(n * fraction)}. */
    static int heldOut(long n, double fraction) {
        return (int) Math.round(n * fraction);
    }

    /** A record's place in its class's draw: SplitMix64's finaliser over its content hash and the seed. */
    static long key(CifarRecord r, long seed) {
        long z = r.contentHash() ^ (seed * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The {@code k} smallest of two ascending arrays, ascending. */
    static long[] smallest(long[] a, long[] b, int k) {
        long[] out = new long[Math.min(k, a.length + b.length)];
        int i = 0;
        int j = 0;
        for (int n = 0; n < out.length; n++) {
            out[n] = j >= b.length || i < a.length && a[i] <= b[j] ? a[i++] : b[j++];
        }
        return out;
    }

    /** Per partition, each class's smallest keys, as many as the class holds out. */
    private static final class SmallestKeys implements
            org.apache.spark.api.java.function.FlatMapFunction<java.util.Iterator<CifarRecord>, long[][]> {
        private final int[] heldOut;
        private final long seed;

        SmallestKeys(int[] heldOut, long seed) {
            this.heldOut = heldOut;
            this.seed = seed;
        }

        @Override
        public java.util.Iterator<long[][]> call(java.util.Iterator<CifarRecord> records) {
            long[][] keys = new long[heldOut.length][];
            int[] sizes = new int[heldOut.length];
            for (int c = 0; c < keys.length; c++) {
                keys[c] = new long[16];
            }
            while (records.hasNext()) {
                CifarRecord r = records.next();
                int c = r.label();
                if (sizes[c] == keys[c].length) {
                    keys[c] = Arrays.copyOf(keys[c], 2 * sizes[c]);
                }
                keys[c][sizes[c]++] = key(r, seed);
            }
            for (int c = 0; c < keys.length; c++) {
                long[] k = Arrays.copyOf(keys[c], sizes[c]);
                Arrays.sort(k);
                keys[c] = Arrays.copyOf(k, Math.min(k.length, heldOut[c]));
            }
            return Collections.singletonList(keys).iterator();
        }
    }

    /** Merges two partitions' smallest keys, class by class. */
    private static final class Merge implements org.apache.spark.api.java.function.Function2<long[][], long[][],
            long[][]> {
        private final int[] heldOut;

        Merge(int[] heldOut) {
            this.heldOut = heldOut;
        }

        @Override
        public long[][] call(long[][] a, long[][] b) {
            long[][] out = new long[heldOut.length][];
            for (int c = 0; c < out.length; c++) {
                out[c] = smallest(a[c], b[c], heldOut[c]);
            }
            return out;
        }
    }

    /** Whether a record is held out: its key is at most its class's last held-out key. */
    private static final class Held implements Serializable {
        private final long[] last;
        private final int[] heldOut;
        private final long seed;

        Held(long[] last, int[] heldOut, long seed) {
            this.last = last;
            this.heldOut = heldOut;
            this.seed = seed;
        }

        boolean test(CifarRecord r) {
            return heldOut[r.label()] > 0 && key(r, seed) <= last[r.label()];
        }
    }
}
