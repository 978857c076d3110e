package io.mkcnn.input;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarRecord;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Deals training records to the workers' partitions. Every way deals from the records' canonical order
 * ({@link CifarRecord#CONTENT_ORDER}), so the shares depend only on the records: not on their files, tables or
 * folders, nor on how input splits happened to fall.
 */
public final class Shards {

    private Shards() {
    }

    /** The records, labels below {@code classes}, dealt to {@code workers} as {@code train.partitioning} says. */
    public static JavaRDD<CifarRecord> of(JavaRDD<CifarRecord> records, JobConfig.Partitioning partitioning,
                                          int workers, int classes) {
        return switch (partitioning) {
            case IID -> iid(records, workers);
            case BY_CLASS -> byClass(records, workers);
            case BY_LABEL -> byLabel(records, workers, classes);
        };
    }

    /**
     * Records in their canonical order, cut into {@code workers} contiguous ranges of equal size (sizes differ by
     * at most one). The order is by a hash of the content, so every share mixes the classes in the data's
     * proportions.
     */
    public static JavaRDD<CifarRecord> iid(JavaRDD<CifarRecord> records, int workers) {
        return cut(records.keyBy(CifarRecord::contentHash), records.getNumPartitions(), workers);
    }

    /**
     * Records sorted by label, then in canonical order, and cut into {@code workers} contiguous ranges of equal
     * size (sizes differ by at most one): with 10 balanced classes and 4 workers, each worker holds two or three
     * classes.
     */
    public static JavaRDD<CifarRecord> byClass(JavaRDD<CifarRecord> records, int workers) {
        // the label in the top byte (labels are below 128), the content hash's top 56 bits below it
        return cut(records.keyBy(r -> ((long) r.label() << 56) | (r.contentHash() >>> 8)),
                records.getNumPartitions(), workers);
    }

    /**
     * Every record of label {@code l} on worker {@code floor(l*workers/classes)}: contiguous label ranges, no label
     * on two workers. With 10 classes and 4 workers: labels 0-2, 3-4, 5-7 and 8-9 (shares of 30, 20, 30 and 20% on
     * balanced data).
     */
    public static JavaRDD<CifarRecord> byLabel(JavaRDD<CifarRecord> records, int workers, int classes) {
        return records.keyBy(r -> (long) r.label() * workers / classes)
                .partitionBy(new Contiguous(workers, workers, 0))
                .values();
    }

    /**
     * Records sorted by {@code keyed}'s key and cut into {@code workers} equal contiguous ranges, each partition in
     * sorted order. Records with equal keys are equal in content (or, with a chance of n&sup2;/2&sup6;&sup5; among
     * n records, collide), so which of them lands where changes nothing.
     */
    private static JavaRDD<CifarRecord> cut(JavaPairRDD<Long, CifarRecord> keyed, int sortPartitions, int workers) {
        long n = keyed.count();
        return keyed.sortByKey(true, Math.max(1, sortPartitions))
                .values()
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .repartitionAndSortWithinPartitions(new Contiguous(workers, n, 0))
                .values();
    }

    /**
     * Key {@code k} (a position {@code i = k >>> shift} of {@code n}) goes to partition {@code floor(i*parts/n)}:
     * consecutive positions fill the partitions in order, in equal shares.
     */
    public static final class Contiguous extends Partitioner {
        private final int parts;
        private final long n;
        private final int shift;

        /**
         * @param shift bits to drop from each {@code Long} key to get its position (0: the key is the position;
         *     32: the position is in the high half and the low half orders entries within it)
         */
        public Contiguous(int parts, long n, int shift) {
            this.parts = parts;
            this.n = n;
            this.shift = shift;
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            long position = (Long) key >>> shift;
            return (int) Math.min(parts - 1, position * parts / Math.max(1, n));
        }
    }
}
