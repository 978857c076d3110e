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
import org.datavec.spark.util.BroadcastHadoopConfigHolder;
import org.datavec.spark.util.SerializableHadoopConfig;
import org.deeplearning4j.spark.data.BatchAndExportMultiDataSetsFunction;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The driver's side of a run's exported minibatches: where they go ({@code <export dir>/<folder>/<RDD id>/data/}),
 * the paths of the current export, and deleting what the run wrote and nothing else. Every path is an encoded URI
 * ({@link StorePaths}): DL4J opens an exported file with both {@code new URI(path)} and {@code new Path(path)}, which
 * no path holding a space, '%' or '#' survives, and reads the list of paths back from text files as a
 * comma-separated glob. Here the paths come back to the driver in memory (one short string per minibatch), and the
 * workers open them through {@link Loader}, which decodes the URI.
 */
final class ExportedMinibatches {
    private static final Logger LOG = LoggerFactory.getLogger(ExportedMinibatches.class);

    private final String root;
    private String folder;
    /** Whether the export directory existed before the first export (null: not exported yet). */
    private Boolean rootExisted;
    /** The current export: its RDD, folder, data partitions and paths keyed {@code partition << 32 | position}. */
    private int rddId = Integer.MIN_VALUE;
    private String rddDir;
    private int partitions;
    private List<Tuple2<Long, String>> paths;

    /**
     * @param rootUri the export directory, as an encoded URI
     * @param folder this master's folder in it
     */
    ExportedMinibatches(String rootUri, String folder) {
        this.root = rootUri;
        this.folder = folder;
    }

    String root() {
        return root;
    }

    /**
     * Names the folder ({@code name}: the same for every attempt of a run) and deletes what an earlier attempt that
     * did not finish left there. {@code runOwnsDirectory}: the export directory belongs to the run (its own
     * {@code _export}), so it goes once empty even if an earlier attempt made it.
     */
    void useFolder(Configuration conf, String name, boolean runOwnsDirectory) {
        folder = name;
        if (runOwnsDirectory) {
            rootExisted = false;
        }
        if (exists(conf, folderUri())) {
            LOG.info("deleting minibatches an earlier attempt exported to {}", StorePaths.path(folderUri()));
            delete(conf, folderUri());
        }
    }

    /** The export folder of one RDD, as an encoded URI. */
    String rddDir(int id) {
        return StorePaths.child(folderUri(), String.valueOf(id));
    }

    /** Whether the current export is that of RDD {@code id}. */
    boolean holds(int id) {
        return paths != null && rddId == id;
    }

    /**
     * Writes the minibatches of {@code data} under its RDD's folder (deleting the previous export's) and keeps their
     * paths; returns the folder.
     */
    String export(JavaSparkContext sc, JavaRDD<MultiDataSet> data, int batch) {
        Configuration conf = sc.hadoopConfiguration();
        if (rootExisted == null) {
            rootExisted = exists(conf, root);
        }
        if (rddDir != null) {
            delete(conf, rddDir);
        }
        rddDir = rddDir(data.id());
        LOG.info("exporting minibatches to {}", StorePaths.path(rddDir));
        Broadcast<SerializableHadoopConfig> hadoop = BroadcastHadoopConfigHolder.get(sc);
        paths = data.mapPartitionsWithIndex(new BatchAndExportMultiDataSetsFunction(batch,
                        StorePaths.child(rddDir, "data"), hadoop), true)
                .mapPartitionsWithIndex((partition, written) -> {
                    List<Tuple2<Long, String>> keyed = new ArrayList<>();
                    long position = 0;
                    while (written.hasNext()) {
                        keyed.add(new Tuple2<>(((long) partition << 32) | position++, written.next()));
                    }
                    return keyed.iterator();
                }, true)
                .collect();
        partitions = data.getNumPartitions();
        rddId = data.id();
        return rddDir;
    }

    /**
     * The current export's paths as an RDD in which partition {@code w} holds exactly those written by data
     * partitions {@code [w*P/W, (w+1)*P/W)} in their written order ({@code P} data partitions,
     * {@code W = min(workers, P)}), so a worker trains its own shard's minibatches (class-sorted shards stay apart)
     * and a run's rounds do not depend on any listing order.
     */
    JavaRDD<String> byWorker(JavaSparkContext sc, int workers) {
        int parts = Math.max(1, partitions);
        return sc.parallelizePairs(paths, parts)
                .repartitionAndSortWithinPartitions(new Shards.Contiguous(Math.min(workers, parts), parts, 32))
                .values();
    }

    /**
     * Deletes everything exported (the folder), and the export directory itself if the export created it and it is
     * now empty; whether the folder is gone.
     */
    boolean deleteAll(Configuration conf) {
        boolean deleted = delete(conf, folderUri());
        if (Boolean.FALSE.equals(rootExisted)) {
            deleteIfEmpty(conf, root);
        }
        paths = null;
        rddDir = null;
        rddId = Integer.MIN_VALUE;
        return deleted;
    }

    private String folderUri() {
        return StorePaths.child(root, folder);
    }

    private static boolean exists(Configuration conf, String uri) {
        Path path = StorePaths.path(uri);
        try {
            return path.getFileSystem(conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path, e);
        }
    }

    /** Deletes the folder an encoded URI names, recursively; false (and a warning) if that failed. */
    static boolean delete(Configuration conf, String dirUri) {
        Path dir = StorePaths.path(dirUri);
        try {
            FileSystem fs = dir.getFileSystem(conf);
            if (!fs.exists(dir) || fs.delete(dir, true)) {
                return true;
            }
        } catch (IOException e) {
            // reported below
        }
        LOG.warn("could not delete exported minibatches in {}", dir);
        return false;
    }

    private static void deleteIfEmpty(Configuration conf, String dirUri) {
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
