package io.mkcnn.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
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
     * @param label  class index, below {@link LabelSet#MAX_CLASSES}
     * @param pixels {@link CifarFormat#PIXEL_BYTES} bytes, planar RGB
     * @param source the file (or name) the record was read from, used in messages
     * @param index  the record's position within {@code source}
     */
    public CifarRecord(int label, byte[] pixels, String source, long index) {
        Objects.requireNonNull(pixels, "pixels");
        this.source = Objects.requireNonNull(source, "source");
        if (label < 0 || label >= LabelSet.MAX_CLASSES) {
            throw new IllegalArgumentException(source + ": record " + index + " has label " + label
                    + ", expected 0.." + (LabelSet.MAX_CLASSES - 1));
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
     * Parses one CIFAR-10 binary record (label byte, then pixels).
     *
     * @throws InvalidDataException if the record has the wrong length or its label is not 0..9,
     *                              the usual sign that the file is not CIFAR-10 (e.g. CIFAR-100)
     */
    public static CifarRecord parse(byte[] record, String source, long index) {
        return BinaryLayout.CIFAR10.parse(Objects.requireNonNull(record, "record"), source, index);
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

    /**
     * A 64-bit hash of the label and the pixels alone (not where the record came from): the first key of
     * {@link #CONTENT_ORDER}. Two records share it only when their contents are equal, or with a chance of about
     * n&sup2;/2&sup6;&sup5; among n distinct records.
     */
    public long contentHash() {
        long h = mix(label + 0x9E3779B97F4A7C15L);
        for (int i = 0; i < pixels.length; i += 8) {
            long chunk = 0;
            for (int k = 0; k < 8 && i + k < pixels.length; k++) {
                chunk |= (pixels[i + k] & 0xFFL) << (8 * k);
            }
            h = mix(h ^ chunk) + i;
        }
        return mix(h);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The canonical order of records: by content alone (hash, then label, then pixels), so records read from
     * files, tables or folders in any split come out in the same order; records equal in content are
     * interchangeable for training.
     */
    public static final Comparator<CifarRecord> CONTENT_ORDER = Comparator.comparingLong(CifarRecord::contentHash)
            .thenComparingInt(CifarRecord::label)
            .thenComparing((a, b) -> Arrays.compareUnsigned(a.pixels, b.pixels));

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
        return "CifarRecord[" + source + "#" + index + " label=" + label + "]";
    }
}
