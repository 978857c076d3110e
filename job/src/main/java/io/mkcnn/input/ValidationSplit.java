package io.mkcnn.input;

import io.mkcnn.data.CifarRecord;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
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
     * How many records of each class a fraction holds out.
     *
     * @param fraction the share of each class held out
     * @param records each class's records
     * @param heldOut each class's records held out
     */
    public record Plan(double fraction, long[] records, int[] heldOut) {
        /** Records held out in all. */
        public long heldOutTotal() {
            return Arrays.stream(heldOut).asLongStream().sum();
        }

        /** Records in all. */
        public long total() {
            return Arrays.stream(records).sum();
        }

        /** The records of the largest class. */
        public long largestClass() {
            return Arrays.stream(records).max().orElse(0);
        }

        /**
         * What is wrong with the fraction for these records, as a configuration rule: it holds out nothing, or all
         * of a class; null when neither.
         */
        public String problem() {
            if (heldOutTotal() == 0) {
                // the smallest fraction that holds out one record of the largest class, two digits rounded up
                BigDecimal least = BigDecimal.valueOf(0.5 / Math.max(1, largestClass()))
                        .round(new MathContext(2, RoundingMode.UP));
                return "holds out 0 of the " + total() + " training records (round(n x " + fraction + ") is 0 for "
                        + "each class; the largest has " + largestClass() + "): give at least "
                        + least.toPlainString() + ", or validation records of their own (--validation)";
            }
            for (int c = 0; c < records.length; c++) {
                if (records[c] > 0 && heldOut[c] >= records[c]) {
                    return "holds out all " + records[c] + " training records of class " + c + ", leaving none to "
                            + "train on";
                }
            }
            return null;
        }

        /** The classes of which no record is held out, though the records have some. */
        public List<Integer> classesNotHeldOut() {
            return IntStream.range(0, heldOut.length).filter(c -> records[c] > 0 && heldOut[c] == 0).boxed()
                    .toList();
        }
    }

    /**
     * Counts each class of {@code records} and what {@code fraction} holds out of it (check its
     * {@link Plan#problem()} before splitting).
     *
     * @param classes the label set's size
     */
    public static Plan plan(JavaRDD<CifarRecord> records, double fraction, int classes) {
        Map<Integer, Long> counts = records.map(CifarRecord::label).countByValue();
        long[] n = new long[classes];
        int[] heldOut = new int[classes];
        for (Map.Entry<Integer, Long> e : counts.entrySet()) {
            n[e.getKey()] = e.getValue();
            heldOut[e.getKey()] = heldOut(e.getValue(), fraction);
        }
        return new Plan(fraction, n, heldOut);
    }

    /** Splits {@code records} (read again: cache them first) as {@code plan} says. */
    public static Split split(JavaRDD<CifarRecord> records, Plan plan, long seed) {
        int[] heldOut = plan.heldOut();
        int classes = heldOut.length;
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
