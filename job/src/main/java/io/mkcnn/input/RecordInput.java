package io.mkcnn.input;

import io.mkcnn.config.DataConfig;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.store.ObjectStores;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.DataSource;

/**
 * What a {@code --data} or {@code --test} path names, listed and checked on the driver: CIFAR binary files (a file,
 * folder or glob; see {@link CifarSource}), a Parquet table (a {@code .parquet} file, or a folder of them as Spark
 * writes it) with an image and a label column, or an image folder ({@code DIR/<class name>/*.png|jpg}; see
 * {@link ImageFolders}).
 *
 * @param kind what the path holds
 * @param path the path as given
 * @param files the data files it names (checked not to overlap between training and test)
 */
public record RecordInput(Kind kind, String path, List<Path> files) {

    /** The kinds of input. */
    public enum Kind { CIFAR_BINARY, PARQUET, IMAGE_FOLDER }

    public RecordInput {
        files = List.copyOf(files);
    }

    /**
     * Lists what {@code path} names for {@code role}.
     *
     * @throws InvalidDataException naming the path or file when nothing usable is there
     */
    public static RecordInput list(String path, CifarSource.Role role, DataConfig data, Configuration conf) {
        if (path == null || path.isBlank()) {
            throw new InvalidDataException("no data path given");
        }
        Kind kind;
        try {
            kind = kind(StorePaths.given(path), conf);
        } catch (IOException e) {
            RuntimeException store = ObjectStores.explain(path, conf, e);
            throw store != null ? store : new InvalidDataException(path + ": cannot list (" + e.getMessage() + ")", e);
        }
        return new RecordInput(kind, path, switch (kind) {
            case CIFAR_BINARY -> CifarSource.listFiles(path, role, data.layout(), conf);
            case PARQUET -> parquetFiles(StorePaths.given(path), conf);
            case IMAGE_FOLDER -> ImageFolders.list(StorePaths.given(path), data.labelSet(), conf);
        });
    }

    /** Lists and reads what {@code path} names for {@code role}, spread over {@code partitions} partitions. */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, String path, CifarSource.Role role, DataConfig data,
                                            int partitions) {
        return list(path, role, data, sc.hadoopConfiguration()).read(sc, data, partitions);
    }

    /**
     * The records, decoded and checked: a bad record fails the Spark job (binary files, image folders) or this call
     * (a Parquet table's rows are checked before it returns) with a message naming the file or row.
     */
    public JavaRDD<CifarRecord> read(JavaSparkContext sc, DataConfig data, int partitions) {
        return switch (kind) {
            case CIFAR_BINARY -> CifarSource.read(sc, files, data.layout(), partitions);
            case PARQUET -> ImageRows.records(parquet(sc, path), data.imageColumn(), data.labelColumn(),
                    data.labelSet(), path).repartition(partitions);
            case IMAGE_FOLDER -> ImageFolders.read(sc, files, data.labelSet(), partitions);
        };
    }

    /**
     * A path that does not exist is a glob of binary files; a file is Parquet when named so (a Parquet file of another
     * name is refused as no CIFAR binary file, saying so); a folder is a Parquet table when it holds {@code .parquet}
     * files or Spark's partition folders ({@code column=value}), binary records when it holds {@code .bin} files,
     * else an image folder when it has sub-folders.
     */
    static Kind kind(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        FileStatus status;
        try {
            status = fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
            return Kind.CIFAR_BINARY;
        }
        if (!status.isDirectory()) {
            return p.getName().endsWith(".parquet") ? Kind.PARQUET : Kind.CIFAR_BINARY;
        }
        boolean bins = false;
        for (FileStatus f : fs.listStatus(p)) {
            String name = f.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (!f.isDirectory() && name.endsWith(".parquet") || f.isDirectory() && name.contains("=")) {
                return Kind.PARQUET;
            }
            bins |= !f.isDirectory() && name.endsWith(".bin");
        }
        return !bins && ImageFolders.looksLike(fs, p) ? Kind.IMAGE_FOLDER : Kind.CIFAR_BINARY;
    }

    /**
     * A Parquet table's rows, its local files read as {@link StorePaths#READING} says. The table exists, so its name
     * is taken literally: Spark would expand one holding glob characters.
     */
    private static Dataset<Row> parquet(JavaSparkContext sc, String path) {
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate().read().options(StorePaths.READING)
                .option(DataSource.GLOB_PATHS_KEY(), "false")
                .parquet(StorePaths.given(path).toString());
    }

    /** A Parquet table's data files. */
    private static List<Path> parquetFiles(Path table, Configuration conf) {
        List<Path> files = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> it = table.getFileSystem(conf).listFiles(table, true);
            while (it.hasNext()) {
                Path f = it.next().getPath();
                if (f.getName().endsWith(".parquet")) {
                    files.add(f);
                }
            }
        } catch (IOException e) {
            throw new InvalidDataException(table + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (files.isEmpty()) {
            throw new InvalidDataException(table + ": no Parquet files (*.parquet) in the table's folder");
        }
        return files;
    }
}
