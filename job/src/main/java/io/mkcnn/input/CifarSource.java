package io.mkcnn.input;

import io.mkcnn.data.BinaryLayout;
import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.LongWritable;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.NewHadoopRDD;

/**
 * Reads CIFAR-10 or CIFAR-100 binary records from a Hadoop path, directory or glob (file://, hdfs://, s3a://,
 * ...) with Spark's fixed-length record input, on the executors. The files are checked on the driver first (exists, not
 * empty, size a multiple of the record size) and every label is checked as it is parsed, so bad input stops the job
 * with a message naming the file and record instead of training on garbage.
 *
 * <p>What a path means: a path that exists is that file or folder, whatever characters its name holds ('*', '[',
 * ',', spaces); only a path that does not exist is expanded as a glob. A file is read as given. A folder
 * contributes its {@code .bin} files (others, and names starting with '.' or '_', are skipped and logged), except
 * that in a folder holding the official test file ({@code test_batch.bin}, CIFAR-100's {@code test.bin}) training
 * reads every {@code .bin} but that one and scoring reads that one alone. A glob for training data that reaches it
 * is refused: test
 * records never become training records unless the file itself is named.
 */
public final class CifarSource {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CifarSource.class);
    static final String RECORD_LENGTH_KEY = "org.apache.spark.input.FixedLengthBinaryInputFormat.recordLength";

    /** What the records are for, which decides what a folder contributes. */
    public enum Role {
        /** Records to train on ({@code --data} of train and the studies). */
        TRAINING("training"),
        /** Records to score ({@code --test}, and {@code --data} of evaluate and predict). */
        SCORING("scoring");

        private final String word;

        Role(String word) {
            this.word = word;
        }
    }

    private CifarSource() {
    }

    /** The CIFAR-10 files a path names for {@code role}. */
    public static List<Path> listFiles(String path, Role role, Configuration conf) {
        return listFiles(path, role, BinaryLayout.CIFAR10, conf);
    }

    /**
     * The data files of {@code layout} a path names for {@code role}: the file itself, a folder's record files, or a
     * glob's matches.
     */
    public static List<Path> listFiles(String path, Role role, BinaryLayout layout, Configuration conf) {
        if (path == null || path.isBlank()) {
            throw new InvalidDataException("no data path given");
        }
        List<String> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Path> testBatchesLeftOut = new ArrayList<>();
        try {
            Path p = StorePaths.given(path);
            FileSystem fs = p.getFileSystem(conf);
            FileStatus literal = status(fs, p);
            boolean glob = literal == null;
            FileStatus[] matches = glob ? fs.globStatus(p) : new FileStatus[] {literal};
            if (matches == null || matches.length == 0) {
                throw new InvalidDataException(path + ": no such file or directory");
            }
            for (FileStatus m : matches) {
                if (m.isDirectory()) {
                    for (FileStatus f : folder(fs, m.getPath(), role, layout.testFile(), testBatchesLeftOut)) {
                        check(fs, f, layout, problems);
                        files.add(f.getPath());
                    }
                    continue;
                }
                String name = m.getPath().getName();
                if (glob && hidden(name)) {
                    continue;
                }
                if (glob && role == Role.TRAINING && name.equals(layout.testFile())) {
                    problems.add(path + ": the pattern matches " + m.getPath() + ", the " + layout.displayName()
                            + " test batch; test records are not trained on unless named: match the training batches "
                            + "alone (e.g. data_batch_*.bin), give the folder (its " + layout.testFile() + " is left "
                            + "out of training), or name the file itself to train on it");
                    continue;
                }
                check(fs, m, layout, problems);
                files.add(m.getPath());
            }
        } catch (IOException e) {
            RuntimeException store = io.mkcnn.store.ObjectStores.explain(path, conf, e);
            if (store != null) {
                throw store;
            }
            throw new InvalidDataException(path + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (!problems.isEmpty()) {
            throw new InvalidDataException(String.join(System.lineSeparator(), problems));
        }
        if (files.isEmpty()) {
            throw new InvalidDataException(path + ": no " + layout.displayName() + " binary files (*.bin) found for "
                    + role.word + (!testBatchesLeftOut.isEmpty() ? " (a folder's " + layout.testFile()
                    + " is never trained on; name "
                    + "the file itself to train on it)" : ""));
        }
        return files;
    }

    /** Hadoop's and Spark's convention for files that are not data (checksums, _SUCCESS, temporary files). */
    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    /** The file or folder {@code p} names literally, or null when nothing has that name. */
    private static FileStatus status(FileSystem fs, Path p) throws IOException {
        try {
            return fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
            return null;
        }
    }

    /** A folder's record files for {@code role}; what is left out is logged with the reason. */
    private static List<FileStatus> folder(FileSystem fs, Path dir, Role role, String testFile,
                                           List<Path> testBatchesLeftOut) throws IOException {
        FileStatus[] entries = fs.listStatus(dir);
        Arrays.sort(entries);
        List<FileStatus> bins = new ArrayList<>();
        List<String> others = new ArrayList<>();
        FileStatus testBatch = null;
        for (FileStatus f : entries) {
            String name = f.getPath().getName();
            if (f.isDirectory() || hidden(name) || !name.endsWith(".bin")) {
                others.add(name + (f.isDirectory() ? "/" : ""));
            } else if (name.equals(testFile)) {
                testBatch = f;
            } else {
                bins.add(f);
            }
        }
        List<FileStatus> chosen = bins;
        String leftOut = "";
        if (testBatch != null && role == Role.TRAINING) {
            leftOut = testFile + " (the test batch: name the file itself to train on it)";
            testBatchesLeftOut.add(testBatch.getPath());
        } else if (testBatch != null) {
            chosen = List.of(testBatch);
            if (!bins.isEmpty()) {
                leftOut = bins.stream().map(f -> f.getPath().getName()).collect(Collectors.joining(", "))
                        + " (the folder's training batches: name a file itself to score it)";
            }
        }
        if (!others.isEmpty()) {
            leftOut += (leftOut.isEmpty() ? "" : "; ") + String.join(", ", others) + " (not record files)";
        }
        LOG.info("{} ({}): {}{}", dir, role.word, chosen.isEmpty() ? "no record files"
                : chosen.stream().map(f -> f.getPath().getName()).collect(Collectors.joining(", ")),
                leftOut.isEmpty() ? "" : "; left out: " + leftOut);
        return chosen;
    }

    private static void check(FileSystem fs, FileStatus f, BinaryLayout layout, List<String> problems) {
        long len = f.getLen();
        int size = layout.recordBytes();
        String kind;
        try {
            kind = sniff(fs, f.getPath());
        } catch (IOException e) {
            problems.add(f.getPath() + ": cannot read (" + e.getMessage() + ")");
            return;
        }
        String records = layout.displayName() + " binary records (" + (size - CifarFormat.PIXEL_BYTES)
                + " label byte(s) + 3072 pixel bytes each)";
        if (kind != null) {
            problems.add(f.getPath() + ": looks like " + kind + ", not " + records);
        } else if (len == 0) {
            problems.add(f.getPath() + ": file is empty, expected " + records);
        } else if (len % size != 0) {
            int other = layout == BinaryLayout.CIFAR10 ? BinaryLayout.CIFAR100_FINE.recordBytes()
                    : BinaryLayout.CIFAR10.recordBytes();
            problems.add(f.getPath() + ": size " + len + " bytes is not a multiple of the " + layout.displayName()
                    + " record size " + size + " (" + (len / size) + " whole records and " + (len % size)
                    + " bytes left over: truncated or not a " + layout.displayName() + " file?"
                    + (len % other == 0 ? " It is a multiple of " + other + ", the "
                    + (layout == BinaryLayout.CIFAR10 ? "CIFAR-100 record size: set data.format=cifar100"
                    : "CIFAR-10 record size: set data.format=cifar10") : "") + ")");
        }
    }

    /** A common non-CIFAR file type recognised by its first bytes, or null. */
    static String sniff(FileSystem fs, Path p) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (java.io.InputStream in = StorePaths.open(fs, p)) {
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
        if (n >= 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
            return "a Parquet file (give the table's folder or a file ending .parquet)";
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            return "a zip archive";
        }
        return null;
    }

    /**
     * Reads and validates every record {@code path} names for {@code role}, spread over {@code partitions}
     * partitions.
     *
     * @throws InvalidDataException on the driver, for missing, empty or wrongly sized files; bad labels fail the
     *     Spark job with an {@link InvalidDataException} naming the file and record index
     */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, String path, Role role, int partitions) {
        return read(sc, listFiles(path, role, sc.hadoopConfiguration()), BinaryLayout.CIFAR10, partitions);
    }

    /**
     * As {@link #read(JavaSparkContext, String, Role, int)}, for files already listed and checked by
     * {@link #listFiles}. The files are handed to the input format as they are (no comma-separated path list, no
     * glob expansion), so any character in their names is read literally.
     */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, List<Path> files, BinaryLayout layout,
                                            int partitions) {
        Configuration conf = StorePaths.forReading(sc.hadoopConfiguration());
        conf.setInt(RECORD_LENGTH_KEY, layout.recordBytes());
        conf.set(FixedLengthFiles.FILES_KEY, files.stream().map(StorePaths::uri).collect(Collectors.joining("\n")));
        JavaPairRDD<LongWritable, BytesWritable> raw = sc.newAPIHadoopRDD(conf, FixedLengthFiles.class,
                LongWritable.class, BytesWritable.class);
        @SuppressWarnings("unchecked")
        NewHadoopRDD<LongWritable, BytesWritable> hadoopRdd = (NewHadoopRDD<LongWritable, BytesWritable>) raw.rdd();
        scala.reflect.ClassTag<CifarRecord> tag = scala.reflect.ClassTag$.MODULE$.apply(CifarRecord.class);
        JavaRDD<CifarRecord> records = JavaRDD.fromRDD(
                hadoopRdd.mapPartitionsWithInputSplit(new FixedLengthFiles.ParseSplit(layout), true, tag), tag);
        return records.repartition(partitions);
    }
}
