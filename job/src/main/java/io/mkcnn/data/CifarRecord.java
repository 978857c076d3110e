package io.mkcnn.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One CIFAR-10 image with its label and where it came from. Pixels are kept as in the file: the
 * 32x32 red plane, then green, then blue, each row-major, one unsigned byte per value.
 *
 * <p>Immutable: the pixel array is copied on the way in and on the way out.
 */
public final class CifarRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int label;
    private final byte[] pixels;
    private final String source;
    private final long index;

    /**
     * @param label  class index in {@code 0..9}
     * @param pixels {@link CifarFormat#PIXEL_BYTES} bytes, planar RGB
     * @param source the file (or name) the record was read from, used in messages
     * @param index  the record's position within {@code source}
     */
    public CifarRecord(int label, byte[] pixels, String source, long index) {
        Objects.requireNonNull(pixels, "pixels");
        this.source = Objects.requireNonNull(source, "source");
        if (label < 0 || label >= CifarFormat.NUM_CLASSES) {
            throw new IllegalArgumentException(source + ": record " + index + " has label " + label
                    + ", expected 0.." + (CifarFormat.NUM_CLASSES - 1));
        }
        if (pixels.length != CifarFormat.PIXEL_BYTES) {
            throw new IllegalArgumentException(source + ": record " + index + " has " + pixels.length
                    + " pixel bytes, expected " + CifarFormat.PIXEL_BYTES);
        }
        this.label = label;
        this.pixels = pixels.clone();
        this.index = index;
    }

    /**
     * Parses one binary record (label byte, then pixels).
     *
     * @throws InvalidDataException if the record has the wrong length or its label is not 0..9,
     *                              the usual sign that the file is not CIFAR-10 (e.g. CIFAR-100)
     */
    public static CifarRecord parse(byte[] record, String source, long index) {
        Objects.requireNonNull(record, "record");
        if (record.length != CifarFormat.RECORD_BYTES) {
            throw new InvalidDataException(source + ": record " + index + " has " + record.length
                    + " bytes, expected " + CifarFormat.RECORD_BYTES);
        }
        int label = record[0] & 0xFF;
        if (label >= CifarFormat.NUM_CLASSES) {
            throw new InvalidDataException(source + ": record " + index + " has label " + label
                    + ", expected 0.." + (CifarFormat.NUM_CLASSES - 1) + " (is this a CIFAR-10 binary file?)");
        }
        return new CifarRecord(label, Arrays.copyOfRange(record, 1, record.length), source, index);
    }

    /** The record in CIFAR-10 binary form: label byte then pixels, {@link CifarFormat#RECORD_BYTES} long. */
    public byte[] toBytes() {
        byte[] out = new byte[CifarFormat.RECORD_BYTES];
        out[0] = (byte) label;
        System.arraycopy(pixels, 0, out, 1, pixels.length);
        return out;
    }

    public int label() {
        return label;
    }

    /** A copy of the planar RGB pixels. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** Unsigned value of channel {@code c} at row {@code y}, column {@code x}. */
    public int pixel(int c, int y, int x) {
        return pixels[(c * CifarFormat.IMAGE_SIZE + y) * CifarFormat.IMAGE_SIZE + x] & 0xFF;
    }

    public String source() {
        return source;
    }

    public long index() {
        return index;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CifarRecord)) {
            return false;
        }
        CifarRecord other = (CifarRecord) o;
        return label == other.label && index == other.index && source.equals(other.source)
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, source, index) * 31 + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "CifarRecord[" + source + "#" + index + " label=" + label + " ("
                + CifarFormat.CLASS_NAMES.get(label) + ")]";
    }
}
