package io.mkcnn.input;

import io.mkcnn.config.DataConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's inputs: the training records and the test records, each listed and checked by
 * {@link RecordInput#list}, and the two checked not to share a file.
 */
public record RunFiles(RecordInput train, RecordInput test, DataConfig data) implements RunData {
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);

    /**
     * Lists the inputs {@code data} names.
     *
     * @throws InvalidDataException when a path names no data, or the test files are also training files (scoring
     *     a model on records it trained on would report a meaningless accuracy)
     */
    public static RunFiles of(DataConfig data, Configuration conf) {
        RecordInput train = RecordInput.list(data.train(), CifarSource.Role.TRAINING, data, conf);
        RecordInput test = RecordInput.list(data.test(), CifarSource.Role.SCORING, data, conf);
        List<Path> both = new ArrayList<>(test.files());
        both.retainAll(new HashSet<>(train.files()));
        if (!both.isEmpty()) {
            throw new InvalidDataException("test data " + data.test() + " and training data " + data.train()
                    + " share " + both + "; pass the training batches alone to --data (e.g. a data_batch_*.bin glob)");
        }
        LOG.info("training data ({}, {} files): {}", train.kind(), train.files().size(), data.train());
        LOG.info("test data ({}, {} files): {}", test.kind(), test.files().size(), data.test());
        return new RunFiles(train, test, data);
    }

    @Override
    public JavaRDD<CifarRecord> trainRecords(JavaSparkContext sc, int partitions) {
        return train.read(sc, data, partitions);
    }

    @Override
    public JavaRDD<CifarRecord> testRecords(JavaSparkContext sc, int partitions) {
        return test.read(sc, data, partitions);
    }
}
