package io.mkcnn.data;

import java.util.List;
import java.util.Locale;

/**
 * The official binary archives {@code download} knows: where each is served, its MD5, the folder it unpacks to,
 * and that folder's files with their record counts.
 */
public enum CifarArchive {
    CIFAR10("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530",
            "cifar-10-batches-bin", BinaryLayout.CIFAR10, List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"),
            List.of(10_000, 10_000, 10_000, 10_000, 10_000, 10_000)),
    CIFAR100("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", "03b5dce01913d631647c71ecec9e9cb8",
            "cifar-100-binary", BinaryLayout.CIFAR100_FINE, List.of("train.bin", "test.bin"), List.of(50_000, 10_000));

    private final String url;
    private final String md5;
    private final String directory;
    private final BinaryLayout layout;
    private final List<String> files;
    private final List<Integer> records;

    CifarArchive(String url, String md5, String directory, BinaryLayout layout, List<String> files,
                 List<Integer> records) {
        this.url = url;
        this.md5 = md5;
        this.directory = directory;
        this.layout = layout;
        this.files = files;
        this.records = records;
    }

    /** The archive's official URL. */
    public String url() {
        return url;
    }

    /** The archive's MD5, 32 hexadecimal digits. */
    public String md5() {
        return md5;
    }

    /** The folder inside the archive, and under the output directory once extracted. */
    public String directory() {
        return directory;
    }

    /** The archive's file name. */
    public String fileName() {
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** The data set's name, for messages. */
    public String displayName() {
        return layout.displayName();
    }

    /** The record files of the extracted folder. */
    public List<String> files() {
        return files;
    }

    /** Bytes of record file {@code name} in the official archive. */
    public long fileBytes(String name) {
        return (long) records.get(files.indexOf(name)) * layout.recordBytes();
    }

    /** Bytes a record takes. */
    public int recordBytes() {
        return layout.recordBytes();
    }

    /** The archive named {@code name} ({@code cifar10} or {@code cifar100}, any case). */
    public static CifarArchive named(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
