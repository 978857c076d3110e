package io.mkcnn.train;

import io.mkcnn.input.Shards;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.datavec.spark.util.SerializableHadoopConfig;
import org.deeplearning4j.spark.data.BatchAndExportMultiDataSetsFunction;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;

/**
 * An epoch's minibatches exported for the workers, and the way their paths travel. Every path is an encoded URI
 * ({@link StorePaths}): DL4J opens an exported file with both {@code new URI(path)} and {@code new Path(path)}, which
 * no path holding a space, '%' or '#' survives, and reads the list of paths back from text files as a
 * comma-separated glob. Here the paths come back to the driver in memory (one short string per minibatch), and the
 * workers open them through {@link Loader}, which decodes the URI.
 */
final class ExportedMinibatches {
    private ExportedMinibatches() {
    }

    /**
     * Writes the minibatches of {@code data} under the folder {@code dataDirUri} and returns their paths keyed
     * {@code partition << 32 | position} (the written order within each data partition).
     */
    static List<Tuple2<Long, String>> export(JavaRDD<MultiDataSet> data, int batch, String dataDirUri,
                                             Broadcast<SerializableHadoopConfig> conf) {
        return data.mapPartitionsWithIndex(new BatchAndExportMultiDataSetsFunction(batch, dataDirUri, conf), true)
                .mapPartitionsWithIndex((partition, paths) -> {
                    List<Tuple2<Long, String>> keyed = new ArrayList<>();
                    long position = 0;
                    while (paths.hasNext()) {
                        keyed.add(new Tuple2<>(((long) partition << 32) | position++, paths.next()));
                    }
                    return keyed.iterator();
                }, true)
                .collect();
    }

    /**
     * The exported paths as an RDD in which partition {@code w} holds exactly those written by data partitions
     * {@code [w*P/W, (w+1)*P/W)} in their written order ({@code P} data partitions, {@code W = min(workers, P)}), so
     * a worker trains its own shard's minibatches (class-sorted shards stay apart) and a run's rounds do not depend on
     * any listing order.
     */
    static JavaRDD<String> byWorker(JavaSparkContext sc, List<Tuple2<Long, String>> paths, int dataPartitions,
                                    int workers) {
        int parts = Math.max(1, dataPartitions);
        return sc.parallelizePairs(paths, parts)
                .repartitionAndSortWithinPartitions(new Shards.Contiguous(Math.min(workers, parts), parts, 32))
                .values();
    }

    /** Whether anything exists at an encoded URI. */
    static boolean exists(Configuration conf, String uri) {
        Path path = StorePaths.path(uri);
        try {
            return path.getFileSystem(conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path, e);
        }
    }

    /** Deletes the folder an encoded URI names, recursively; false (logged by the caller) if that failed. */
    static boolean delete(Configuration conf, String dirUri) {
        Path dir = StorePaths.path(dirUri);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            return !fs.exists(dir) || fs.delete(dir, true);
        } catch (IOException e) {
            return false;
        }
    }

    /** Deletes the folder an encoded URI names if it exists and is empty. */
    static void deleteIfEmpty(Configuration conf, String dirUri) {
        Path dir = StorePaths.path(dirUri);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
                fs.delete(dir, false);
            }
        } catch (IOException e) {
            // an empty folder left behind is harmless
        }
    }

    /** Reads an exported minibatch whose path is an encoded URI, with the driver's Hadoop configuration. */
    static final class Loader implements org.deeplearning4j.core.loader.MultiDataSetLoader {
        private final Broadcast<SerializableHadoopConfig> conf;

        Loader(Broadcast<SerializableHadoopConfig> conf) {
            this.conf = conf;
        }

        @Override
        public MultiDataSet load(Source source) throws IOException {
            Path path = StorePaths.path(source.getPath());
            org.nd4j.linalg.dataset.MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet();
            try (InputStream in = path.getFileSystem(conf.getValue().getConfiguration()).open(path)) {
                mds.load(in);
            }
            return mds;
        }
    }
}
