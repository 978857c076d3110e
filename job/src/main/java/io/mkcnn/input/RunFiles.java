package io.mkcnn.input;

import io.mkcnn.config.DataConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's inputs: the training records, the test records and the validation records (each optional but the
 * first), each listed and checked by {@link RecordInput#list}, and checked not to share a file.
 *
 * @param test null for none
 * @param validation null for none
 */
public record RunFiles(RecordInput train, RecordInput test, RecordInput validation, DataConfig data)
        implements RunData {
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);

    /**
     * Lists the inputs {@code data} names.
     *
     * @throws InvalidDataException when a path names no data, or the test or validation files are also training
     *     files (scoring a model on records it trained on would report a meaningless accuracy), or the validation
     *     files are test files: the same file, also under another name (a link)
     */
    public static RunFiles of(DataConfig data, Configuration conf) {
        RecordInput train = RecordInput.list(data.train(), CifarSource.Role.TRAINING, data, conf);
        RecordInput test = data.test().isBlank() ? null
                : RecordInput.list(data.test(), CifarSource.Role.SCORING, data, conf);
        RecordInput validation = data.validation().isBlank() ? null
                : RecordInput.list(data.validation(), CifarSource.Role.SCORING, data, conf);
        requireApart(test, "test data " + data.test(), train, "training data " + data.train(),
                "; pass the training batches alone to --data (e.g. a data_batch_*.bin glob)");
        requireApart(validation, "validation data " + data.validation(), train, "training data " + data.train(),
                "; pass the training batches alone to --data (e.g. 'data_batch_[1-4].bin')");
        requireApart(validation, "validation data " + data.validation(), test, "test data " + data.test(), "");
        LOG.info("training data ({}, {} files): {}", train.kind(), train.files().size(), data.train());
        if (validation != null) {
            LOG.info("validation data ({}, {} files): {}", validation.kind(), validation.files().size(),
                    data.validation());
        }
        if (test != null) {
            LOG.info("test data ({}, {} files): {}", test.kind(), test.files().size(), data.test());
        }
        return new RunFiles(train, test, validation, data);
    }

    private static void requireApart(RecordInput a, String aName, RecordInput b, String bName, String advice) {
        if (a == null || b == null) {
            return;
        }
        Map<Path, Path> bFiles = new HashMap<>();
        for (Path f : b.files()) {
            bFiles.putIfAbsent(real(f), f);
        }
        List<String> both = new ArrayList<>();
        for (Path f : a.files()) {
            Path other = bFiles.get(real(f));
            if (other != null) {
                both.add(other.equals(f) ? f.toString() : f + " (the same file as " + other + ")");
            }
        }
        if (!both.isEmpty()) {
            throw new InvalidDataException(aName + " and " + bName + " share " + (both.size() <= 3 ? both
                    : both.subList(0, 3) + " and " + (both.size() - 3) + " more files") + advice);
        }
    }

    /** The file {@code f} is, after links: its real path on a local disk, else the path itself. */
    private static Path real(Path f) {
        if (!"file".equals(f.toUri().getScheme())) {
            return f;
        }
        try {
            return new Path(java.nio.file.Path.of(f.toUri()).toRealPath().toUri());
        } catch (IOException | RuntimeException e) {
            return f; // read and refused later with its own message
        }
    }

    @Override
    public JavaRDD<CifarRecord> trainRecords(JavaSparkContext sc, int partitions) {
        return train.read(sc, data, partitions);
    }

    @Override
    public JavaRDD<CifarRecord> validationRecords(JavaSparkContext sc, int partitions) {
        return validation == null ? null : validation.read(sc, data, partitions);
    }

    @Override
    public JavaRDD<CifarRecord> testRecords(JavaSparkContext sc, int partitions) {
        return test == null ? null : test.read(sc, data, partitions);
    }
}
