package io.mkcnn.input;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The records of scored sets (validation, test) that are also training records: equal in label and pixels, whatever
 * file, folder or row they came from. Accuracy on records trained on says nothing of the model, so a scored set may
 * share at most {@link #MAX_SHARE} of its records with the training records, and no file of records.
 */
public final class TrainingOverlap {

    /**
     * The largest share of a scored set's records that may also be training records. At 1%, records the model has
     * seen can raise the set's accuracy by at most one point (each one scored right where it would have been
     * wrong), and by about 0.2 points at the 80% accuracy a model here reaches: less than the binomial noise of
     * the accuracy on the 10,000 CIFAR test records (0.8 points at 95%). A few equal images in two sets are common
     * in image collections; more than that means the sets were put together from the same records.
     */
    public static final double MAX_SHARE = 0.01;
    private static final String MAX_PERCENT = BigDecimal.valueOf(100 * MAX_SHARE).stripTrailingZeros()
            .toPlainString() + "%";

    /** Each training content hash with the first training file (by name) that holds it. */
    private final JavaPairRDD<Long, String> trained;
    private final JavaRDD<CifarRecord> train;
    /** {@link #contents} of the training files, once asked for. */
    private Map<String, Tuple2<Long, Long>> trainedFiles;

    /** Compares scored sets with {@code train}, the run's training records. */
    public TrainingOverlap(JavaRDD<CifarRecord> train) {
        this.train = train;
        this.trained = train.mapToPair(r -> new Tuple2<>(r.contentHash(), r.source()))
                .reduceByKey((a, b) -> a.compareTo(b) <= 0 ? a : b);
    }

    /**
     * How many of a scored set's records are also training records.
     *
     * @param set "validation" or "test"
     * @param path the set's path as given, for messages
     * @param records the set's records
     * @param inTraining how many of them are also training records
     * @param examples up to three of them, each with a training file that holds it ({@code file#index = file})
     */
    public record Count(String set, String path, long records, long inTraining, List<String> examples) {
        public Count {
            examples = List.copyOf(examples);
        }

        /** The share of the set's records that are also training records. */
        public double share() {
            return records == 0 ? 0 : (double) inTraining / records;
        }

        /** What the log says: how many of the set's records are also training records, with examples. */
        public String describe() {
            return set + " data " + path + ": " + inTraining + " of its " + records + " records ("
                    + String.format(Locale.ROOT, "%.2f%%", 100 * share()) + ") are also training records"
                    + (examples.isEmpty() ? "" : " (e.g. " + String.join(", ", examples) + ")");
        }
    }

    /**
     * Counts the records of {@code scored} ({@code records} of them) that are also training records.
     *
     * @throws InvalidDataException naming both files when a file of the scored set holds the same records as a
     *     training file (a copy of it), or when more than {@link #MAX_SHARE} of its records are training records
     */
    public Count count(JavaRDD<CifarRecord> scored, long records, String set, String path) {
        requireNoCopiedFile(scored, set, path);
        JavaRDD<String> both = scored.mapToPair(r -> new Tuple2<>(r.contentHash(), r.source() + "#" + r.index()))
                .join(trained)
                .map(t -> t._2()._1() + " = " + t._2()._2())
                .persist(StorageLevel.MEMORY_ONLY());
        try {
            long n = both.count();
            Count c = new Count(set, path, records, n, n == 0 ? List.of() : both.takeOrdered(3));
            if (c.share() > MAX_SHARE) {
                throw new InvalidDataException(c.describe() + "; more than " + MAX_PERCENT + " of a " + set
                        + " set's records also trained on would make its accuracy measure what the model memorised: "
                        + "remove them from one of the two sets");
            }
            return c;
        } finally {
            both.unpersist(false);
        }
    }

    /**
     * Refuses a scored file that holds the same records as a training file: a copy of it under another name (the
     * same file under another name is refused before anything is read, {@link RunFiles}). Files of one record (an
     * image folder's) are equal images, which the share rule counts.
     */
    private void requireNoCopiedFile(JavaRDD<CifarRecord> scored, String set, String path) {
        if (trainedFiles == null) {
            trainedFiles = contents(train);
        }
        if (trainedFiles.isEmpty()) {
            return;
        }
        contents(scored).forEach((file, content) -> trainedFiles.forEach((trainFile, trainContent) -> {
            if (content.equals(trainContent)) {
                throw new InvalidDataException(set + " data " + path + ": " + file + " holds the same "
                        + content._1() + " records as the training file " + trainFile + " (a copy of it); "
                        + set + " records must not be training records");
            }
        }));
    }

    /** Per source file of more than one record: its record count and the sum of its records' content hashes. */
    private static Map<String, Tuple2<Long, Long>> contents(JavaRDD<CifarRecord> records) {
        return records.mapToPair(r -> new Tuple2<>(r.source(), new Tuple2<>(1L, r.contentHash())))
                .reduceByKey((a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2()))
                .filter(t -> t._2()._1() > 1)
                .collectAsMap();
    }
}
