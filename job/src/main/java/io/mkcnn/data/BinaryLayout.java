package io.mkcnn.data;

import java.util.Arrays;

/**
 * The binary record layouts: CIFAR-10's (one label byte, then the pixels) and CIFAR-100's (a coarse and a fine label
 * byte, then the pixels), with the label trained on.
 */
public enum BinaryLayout {
    CIFAR10("CIFAR-10", 1, 0, "test_batch.bin", LabelSet.CIFAR10),
    CIFAR100_FINE("CIFAR-100", 2, 1, "test.bin", LabelSet.CIFAR100_FINE),
    CIFAR100_COARSE("CIFAR-100", 2, 0, "test.bin", LabelSet.CIFAR100_COARSE);

    private final String name;
    private final int labelBytes;
    private final int labelOffset;
    private final String testFile;
    private final LabelSet labels;

    BinaryLayout(String name, int labelBytes, int labelOffset, String testFile, LabelSet labels) {
        this.name = name;
        this.labelBytes = labelBytes;
        this.labelOffset = labelOffset;
        this.testFile = testFile;
        this.labels = labels;
    }

    /** The data set's name, for messages. */
    public String displayName() {
        return name;
    }

    /** Bytes a record takes: the label bytes and {@link CifarFormat#PIXEL_BYTES}. */
    public int recordBytes() {
        return labelBytes + CifarFormat.PIXEL_BYTES;
    }

    /** The official test file's name in the extracted archive's folder. */
    public String testFile() {
        return testFile;
    }

    public LabelSet labels() {
        return labels;
    }

    /**
     * Parses one binary record.
     *
     * @throws InvalidDataException naming {@code source} and {@code index} when the record has the wrong length or a
     *     label outside the set (the usual sign of a file of another layout)
     */
    public CifarRecord parse(byte[] record, String source, long index) {
        if (record.length != recordBytes()) {
            throw new InvalidDataException(source + ": record " + index + " has " + record.length + " bytes, expected "
                    + recordBytes());
        }
        for (int b = 0; b < labelBytes; b++) {
            int limit = labelBytes == 1 ? labels.size() : b == 0 ? LabelSet.CIFAR100_COARSE.size()
                    : LabelSet.CIFAR100_FINE.size();
            if ((record[b] & 0xFF) >= limit) {
                throw new InvalidDataException(source + ": record " + index + " has label " + (record[b] & 0xFF)
                        + (labelBytes == 2 ? (b == 0 ? " (coarse)" : " (fine)") : "") + ", expected 0.." + (limit - 1)
                        + " (is this a " + name + " binary file?)");
            }
        }
        return new CifarRecord(record[labelOffset] & 0xFF, Arrays.copyOfRange(record, labelBytes, record.length),
                source, index);
    }
}
