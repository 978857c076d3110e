package io.mkcnn.input;

import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.FixedLengthBinaryInputFormat;
import org.apache.spark.rdd.NewHadoopRDD;
import scala.Tuple2;

/**
 * Reads CIFAR-10 binary records from a Hadoop path, directory or glob (file://, hdfs://, s3a://, ...) with
 * Spark's fixed-length record input, on the executors. The files are checked on the driver first (exists, not
 * empty, size a multiple of 3073 bytes) and every label is checked as it is parsed, so bad input stops the job
 * with a message naming the file and record instead of training on garbage.
 */
public final class CifarSource {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CifarSource.class);
    static final String RECORD_LENGTH_KEY = "org.apache.spark.input.FixedLengthBinaryInputFormat.recordLength";

    private CifarSource() {
    }

    /** The data files a path names: the file itself, a directory's visible files, or a glob's matches. */
    public static List<Path> listFiles(String path, Configuration conf) {
        if (path == null || path.isBlank()) {
            throw new InvalidDataException("no data path given");
        }
        List<String> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new InvalidDataException(path + ": no such file or directory");
            }
            for (FileStatus m : matches) {
                FileStatus[] entries = m.isDirectory() ? fs.listStatus(m.getPath()) : new FileStatus[] {m};
                Arrays.sort(entries);
                for (FileStatus f : entries) {
                    String name = f.getPath().getName();
                    if (f.isDirectory() || name.startsWith(".") || name.startsWith("_")) {
                        continue;
                    }
                    if (m.isDirectory() && !name.endsWith(".bin")) {
                        LOG.info("{}: not a .bin file, skipped", f.getPath());
                        continue;
                    }
                    check(fs, f, problems);
                    files.add(f.getPath());
                }
            }
        } catch (IOException e) {
            RuntimeException store = io.mkcnn.store.ObjectStores.explain(path, conf, e);
            if (store != null) {
                throw store;
            }
            throw new InvalidDataException(path + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (files.isEmpty()) {
            throw new InvalidDataException(path + ": no CIFAR-10 binary files (*.bin) found");
        }
        if (!problems.isEmpty()) {
            throw new InvalidDataException(String.join(System.lineSeparator(), problems));
        }
        return files;
    }

    private static void check(FileSystem fs, FileStatus f, List<String> problems) {
        long len = f.getLen();
        String kind;
        try {
            kind = sniff(fs, f.getPath());
        } catch (IOException e) {
            problems.add(f.getPath() + ": cannot read (" + e.getMessage() + ")");
            return;
        }
        if (kind != null) {
            problems.add(f.getPath() + ": looks like " + kind + ", not CIFAR-10 binary records (label byte + 3072 "
                    + "pixel bytes each)");
        } else if (len == 0) {
            problems.add(f.getPath() + ": file is empty, expected CIFAR-10 records of " + CifarFormat.RECORD_BYTES
                    + " bytes");
        } else if (len % CifarFormat.RECORD_BYTES != 0) {
            problems.add(f.getPath() + ": size " + len + " bytes is not a multiple of the CIFAR-10 record size "
                    + CifarFormat.RECORD_BYTES + " (" + (len / CifarFormat.RECORD_BYTES) + " whole records and "
                    + (len % CifarFormat.RECORD_BYTES) + " bytes left over: truncated or not a CIFAR-10 file?)");
        }
    }

    /** A common non-CIFAR file type recognised by its first bytes, or null. */
    static String sniff(FileSystem fs, Path p) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (java.io.InputStream in = fs.open(p)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF) {
            return "a JPEG image";
        }
        if (n >= 4 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "a PNG image";
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1F && (head[1] & 0xff) == 0x8B) {
            return "a gzip archive (extract cifar-10-binary.tar.gz first)";
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            return "a zip archive";
        }
        return null;
    }

    /**
     * Reads and validates every record of {@code path}, spread over {@code partitions} partitions.
     *
     * @throws InvalidDataException on the driver, for missing, empty or wrongly sized files; bad labels fail the
     *     Spark job with an {@link InvalidDataException} naming the file and record index
     */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, String path, int partitions) {
        return read(sc, listFiles(path, sc.hadoopConfiguration()), partitions);
    }

    /** As {@link #read(JavaSparkContext, String, int)}, for files already listed and checked by {@link #listFiles}. */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, List<Path> files, int partitions) {
        Configuration conf = new Configuration(sc.hadoopConfiguration());
        conf.setInt(RECORD_LENGTH_KEY, CifarFormat.RECORD_BYTES);
        String joined = String.join(",", files.stream().map(Path::toString).toList());
        JavaPairRDD<LongWritable, BytesWritable> raw = sc.newAPIHadoopFile(joined, FixedLengthBinaryInputFormat.class,
                LongWritable.class, BytesWritable.class, conf);
        @SuppressWarnings("unchecked")
        NewHadoopRDD<LongWritable, BytesWritable> hadoopRdd = (NewHadoopRDD<LongWritable, BytesWritable>) raw.rdd();
        scala.reflect.ClassTag<CifarRecord> tag = scala.reflect.ClassTag$.MODULE$.apply(CifarRecord.class);
        JavaRDD<CifarRecord> records = JavaRDD.fromRDD(
                hadoopRdd.mapPartitionsWithInputSplit(new ParseSplit(), true, tag), tag);
        return records.repartition(partitions);
    }

    /** Parses one input split's records, naming the split's file in every error. */
    static final class ParseSplit extends scala.runtime.AbstractFunction2<InputSplit,
            scala.collection.Iterator<Tuple2<LongWritable, BytesWritable>>, scala.collection.Iterator<CifarRecord>>
            implements java.io.Serializable {
        @Override
        public scala.collection.Iterator<CifarRecord> apply(InputSplit split,
                                                            scala.collection.Iterator<Tuple2<LongWritable, BytesWritable>> it) {
            String file = ((FileSplit) split).getPath().toString();
            return it.map(new scala.runtime.AbstractFunction1<Tuple2<LongWritable, BytesWritable>, CifarRecord>() {
                @Override
                public CifarRecord apply(Tuple2<LongWritable, BytesWritable> t) {
                    return CifarRecord.parse(t._2().copyBytes(), file, t._1().get());
                }
            });
        }
    }
}
