package io.mkcnn.input;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.data.LabelSet;
import io.mkcnn.store.StorePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.datavec.spark.util.BroadcastHadoopConfigHolder;
import org.datavec.spark.util.SerializableHadoopConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image folders in the {@code DIR/<class name>/*.png|jpg} layout most published CIFAR image copies use. Each
 * sub-folder's name is a class of the label set ({@code airplane} .. {@code truck} for CIFAR-10); a sub-folder of
 * another name, or a file in a class folder that is not a PNG or JPEG file, is an error, so nothing is left out
 * silently. Files directly in {@code DIR} (a README, a licence) are not images of a class and are left out, logged.
 * Images are decoded on the executors and must be 32x32 RGB, as {@link ImageRows} requires.
 */
public final class ImageFolders {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolders.class);
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

    private ImageFolders() {
    }

    /** Whether {@code dir} looks like an image folder: no record or Parquet files, and at least one sub-folder. */
    static boolean looksLike(FileSystem fs, Path dir) throws IOException {
        boolean folders = false;
        for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            if (hidden(name)) {
                continue;
            }
            if (f.isDirectory()) {
                folders = true;
            } else if (name.endsWith(".bin") || name.endsWith(".parquet")) {
                return false;
            }
        }
        return folders;
    }

    /**
     * The image files under {@code dir}, class folder by class folder in name order.
     *
     * @throws InvalidDataException naming the folder or file: a sub-folder that is no class name, a file that is not
     *     a PNG or JPEG file, or no image at all
     */
    public static List<Path> list(Path dir, LabelSet labels, Configuration conf) {
        List<String> problems = new ArrayList<>();
        List<Path> images = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        try {
            FileSystem fs = dir.getFileSystem(conf);
            FileStatus[] entries = fs.listStatus(dir);
            Arrays.sort(entries);
            List<String> folders = Arrays.stream(entries).filter(FileStatus::isDirectory)
                    .map(e -> e.getPath().getName()).filter(n -> !hidden(n)).toList();
            if (folders.stream().noneMatch(labels.names()::contains)) {
                throw new InvalidDataException(dir + ": holds no record files (*.bin), no Parquet files and no class "
                        + "folders, only the folders " + String.join(", ", folders) + ": give the folder that holds "
                        + "the .bin files, a Parquet table, or an image folder DIR/<class name>/*.png|jpg");
            }
            for (FileStatus e : entries) {
                String name = e.getPath().getName();
                if (hidden(name)) {
                    continue;
                }
                if (!e.isDirectory()) {
                    leftOut.add(name);
                } else if (!labels.names().contains(name)) {
                    problems.add(e.getPath() + ": '" + name + "' is not a class name; expected folders named after "
                            + "the classes: " + String.join(", ", labels.names()));
                } else {
                    classFolder(fs, e.getPath(), images, problems);
                }
            }
        } catch (IOException e) {
            throw new InvalidDataException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
        if (!problems.isEmpty()) {
            throw new InvalidDataException(String.join(System.lineSeparator(), problems));
        }
        if (images.isEmpty()) {
            throw new InvalidDataException(dir + ": no images found (expected " + dir + "/<class name>/*.png or "
                    + "*.jpg)");
        }
        if (!leftOut.isEmpty()) {
            LOG.info("{}: left out (not in a class folder): {}", dir, String.join(", ", leftOut));
        }
        return images;
    }

    private static void classFolder(FileSystem fs, Path folder, List<Path> images, List<String> problems)
            throws IOException {
        FileStatus[] files = fs.listStatus(folder);
        Arrays.sort(files);
        for (FileStatus f : files) {
            String name = f.getPath().getName();
            if (hidden(name)) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (f.isDirectory() || EXTENSIONS.stream().noneMatch(lower::endsWith)) {
                problems.add(f.getPath() + ": not a PNG or JPEG file (a class folder holds *.png, *.jpg or *.jpeg "
                        + "images)");
            } else {
                images.add(f.getPath());
            }
        }
    }

    private static boolean hidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    /**
     * The records of {@code images} (as {@link #list} gave them), decoded on the executors, each labelled by its
     * folder's name and named by its file.
     *
     * @throws org.apache.spark.SparkException when the job runs, wrapping an {@link InvalidDataException} that names
     *     the first file that is no 32x32 RGB image
     */
    public static JavaRDD<CifarRecord> read(JavaSparkContext sc, List<Path> images, LabelSet labels, int partitions) {
        List<String> uris = images.stream().map(StorePaths::uri).toList();
        Broadcast<SerializableHadoopConfig> hadoop = BroadcastHadoopConfigHolder.get(sc);
        int slices = Math.max(partitions, (int) Math.min(10_000, uris.size() / 2_000));
        return sc.parallelize(uris, Math.max(1, Math.min(slices, uris.size())))
                .map(new Decode(hadoop, labels));
    }

    /** Reads and decodes one image file. */
    static final class Decode implements org.apache.spark.api.java.function.Function<String, CifarRecord>,
            Serializable {
        private final Broadcast<SerializableHadoopConfig> hadoop;
        private final LabelSet labels;

        Decode(Broadcast<SerializableHadoopConfig> hadoop, LabelSet labels) {
            this.hadoop = hadoop;
            this.labels = labels;
        }

        @Override
        public CifarRecord call(String uri) throws IOException {
            Path p = StorePaths.path(uri);
            byte[] bytes;
            try (InputStream in = StorePaths.open(p, hadoop.getValue().getConfiguration())) {
                bytes = in.readAllBytes();
            }
            int label = labels.names().indexOf(p.getParent().getName());
            try {
                return new CifarRecord(label, ImageRows.decode(bytes), p.toString(), 0);
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(p + ": the image " + e.getMessage());
            }
        }
    }
}
