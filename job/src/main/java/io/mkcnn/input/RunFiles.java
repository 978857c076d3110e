package io.mkcnn.input;

import io.mkcnn.config.DataConfig;
import io.mkcnn.data.InvalidDataException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's data files: the training records and the test records, each list checked by
 * {@link CifarSource#listFiles}, and the two checked not to share a file.
 */
public record RunFiles(List<Path> train, List<Path> test) {
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);

    /**
     * Lists the files {@code data} names.
     *
     * @throws InvalidDataException when a path names no data file, or the test files are also training files
     *     (scoring a model on records it trained on would report a meaningless accuracy)
     */
    public static RunFiles of(DataConfig data, Configuration conf) {
        List<Path> train = CifarSource.listFiles(data.train(), CifarSource.Role.TRAINING, conf);
        List<Path> test = CifarSource.listFiles(data.test(), CifarSource.Role.SCORING, conf);
        List<Path> both = new ArrayList<>(test);
        both.retainAll(new HashSet<>(train));
        if (!both.isEmpty()) {
            throw new InvalidDataException("test data " + data.test() + " and training data " + data.train()
                    + " share " + both + "; pass the training batches alone to --data (e.g. a data_batch_*.bin glob)");
        }
        LOG.info("training files ({}): {}", train.size(), train);
        LOG.info("test files ({}): {}", test.size(), test);
        return new RunFiles(train, test);
    }
}
