package io.mkcnn.input;

import io.mkcnn.config.JobConfig;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/** Deals training records to the workers' partitions in ways other than the default even spread. */
public final class Shards {

    private Shards() {
    }

    /** The records dealt to {@code workers} as {@code train.partitioning} says. */
    public static JavaRDD<CifarRecord> of(JavaRDD<CifarRecord> records, JobConfig.Partitioning partitioning,
                                          int workers) {
        return switch (partitioning) {
            case IID -> records;
            case BY_CLASS -> byClass(records, workers);
            case BY_LABEL -> byLabel(records, workers);
        };
    }

    /**
     * Records sorted by (label, file, index) and cut into {@code workers} contiguous ranges of equal size (sizes
     * differ by at most one): with 10 balanced classes and 4 workers, each worker holds two or three classes.
     * The order is total, so the shares do not depend on how the input was partitioned.
     */
    public static JavaRDD<CifarRecord> byClass(JavaRDD<CifarRecord> records, int workers) {
        long n = records.count();
        return records
                .sortBy(r -> String.format("%02d|%s|%019d", r.label(), r.source(), r.index()), true,
                        records.getNumPartitions())
                .zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .partitionBy(new Contiguous(workers, n, 0))
                .values();
    }

    /**
     * Every record of label {@code l} on worker {@code floor(l*workers/10)}: contiguous label ranges, no label on
     * two workers. With 4 workers: labels 0-2, 3-4, 5-7 and 8-9 (shares of 30, 20, 30 and 20% on balanced data).
     */
    public static JavaRDD<CifarRecord> byLabel(JavaRDD<CifarRecord> records, int workers) {
        return records.keyBy(r -> (long) r.label() * workers / CifarFormat.NUM_CLASSES)
                .partitionBy(new Contiguous(workers, workers, 0))
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
