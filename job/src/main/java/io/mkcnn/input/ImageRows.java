package io.mkcnn.input;

import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.data.LabelSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Records from a DataFrame with an image column and an integer label column. An image is accepted as Spark's image
 * data source struct ({@code spark.read.format("image")}: BGR, row-major), as a raw 3,072-byte CIFAR row (red, green
 * and blue planes), as encoded PNG or JPEG bytes, or as a struct holding such bytes in a field {@code bytes} (the
 * public CIFAR-10 Parquet layout). Images are 32x32 with 3 channels: nothing is resized or converted. Every problem
 * names the column and the first bad row (its position in the DataFrame, from 0).
 */
public final class ImageRows {
    private static final List<String> IMAGE_SCHEMA = List.of("height", "width", "nChannels", "data");

    private ImageRows() {
    }

    /** How a column holds its images. */
    enum Kind { IMAGE_SCHEMA, BINARY, BYTES_STRUCT }

    /**
     * The records of {@code df}, decoded and checked before this returns.
     *
     * @param source names the records in messages and in each record (e.g. the table's path)
     * @throws InvalidDataException naming the column and the first bad row: a missing column, a column of another
     *     type, a null, a label outside 0..9, an image that is not 32x32 or not 3 channels, bytes that are no image
     */
    public static JavaRDD<CifarRecord> records(Dataset<Row> df, String imageColumn, String labelColumn,
                                               String source) {
        return records(df, imageColumn, labelColumn, LabelSet.CIFAR10, source);
    }

    /** As {@link #records(Dataset, String, String, String)}, with labels of {@code labels}. */
    public static JavaRDD<CifarRecord> records(Dataset<Row> df, String imageColumn, String labelColumn,
                                               LabelSet labels, String source) {
        Kind kind = kind(df.schema(), imageColumn, source);
        requireIntegerLabel(df.schema(), labelColumn, labels, source);
        Columns columns = new Columns(imageColumn, labelColumn, labels.size());
        JavaRDD<Decoded> decoded = df.select(imageColumn, labelColumn).javaRDD().zipWithIndex()
                .map(t -> decode(t._1(), t._2(), kind, columns, source));
        // a pass that checks every row first (the caller caches the records it trains on, decoded again)
        List<Decoded> bad = decoded.filter(d -> d.problem() != null).takeOrdered(1, new ByRow());
        if (!bad.isEmpty()) {
            throw new InvalidDataException(bad.get(0).problem());
        }
        return decoded.map(Decoded::record);
    }

    /**
     * Checks that {@code schema} has an image column and an integer label column.
     *
     * @throws InvalidDataException naming the column that is missing or of another type
     */
    public static void requireColumns(StructType schema, String imageColumn, String labelColumn, LabelSet labels,
                                      String source) {
        kind(schema, imageColumn, source);
        requireIntegerLabel(schema, labelColumn, labels, source);
    }

    /** A row's record, or what is wrong with it (a class, not a record: Spark's Kryo cannot write records). */
    static final class Decoded implements Serializable {
        private final CifarRecord record;
        private final long row;
        private final String problem;

        Decoded(CifarRecord record, long row, String problem) {
            this.record = record;
            this.row = row;
            this.problem = problem;
        }

        CifarRecord record() {
            return record;
        }

        long row() {
            return row;
        }

        String problem() {
            return problem;
        }
    }

    /** Orders problems by row. */
    static final class ByRow implements Comparator<Decoded>, Serializable {
        @Override
        public int compare(Decoded a, Decoded b) {
            return Long.compare(a.row(), b.row());
        }
    }

    static Kind kind(StructType schema, String column, String source) {
        DataType type = field(schema, column, source).dataType();
        if (type instanceof BinaryType) {
            return Kind.BINARY;
        }
        if (type instanceof StructType s) {
            List<String> names = Arrays.asList(s.fieldNames());
            if (names.containsAll(IMAGE_SCHEMA)) {
                return Kind.IMAGE_SCHEMA;
            }
            if (names.contains("bytes") && s.apply("bytes").dataType() instanceof BinaryType) {
                return Kind.BYTES_STRUCT;
            }
        }
        throw new InvalidDataException(source + ": column '" + column + "' is " + type.simpleString()
                + ", expected image bytes (PNG, JPEG or 3,072 raw CIFAR bytes), Spark's image struct, or a struct "
                + "with a binary field 'bytes'");
    }

    static void requireIntegerLabel(StructType schema, String column, LabelSet labels, String source) {
        DataType type = field(schema, column, source).dataType();
        if (!(type instanceof ByteType || type instanceof ShortType || type instanceof IntegerType
                || type instanceof LongType)) {
            throw new InvalidDataException(source + ": column '" + column + "' is " + type.simpleString()
                    + ", expected an integer type (tinyint, smallint, int or bigint) of labels 0.."
                    + (labels.size() - 1));
        }
    }

    private static StructField field(StructType schema, String column, String source) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new InvalidDataException(source + ": no column '" + column + "' (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        return schema.apply(column);
    }

    /** The image and label columns' names, and the number of classes. */
    record Columns(String image, String label, int classes) implements Serializable {
    }

    static Decoded decode(Row row, long index, Kind kind, Columns columns, String source) {
        String at = source + ": row " + index + ", column '";
        String labels = "expected a label 0.." + (columns.classes() - 1);
        if (row.isNullAt(1)) {
            return new Decoded(null, index, at + columns.label() + "' is null, " + labels);
        }
        long label = ((Number) row.get(1)).longValue();
        if (label < 0 || label >= columns.classes()) {
            return new Decoded(null, index, at + columns.label() + "' is " + label + ", " + labels);
        }
        if (row.isNullAt(0)) {
            return new Decoded(null, index, at + columns.image() + "' is null, expected an image");
        }
        try {
            byte[] pixels = pixels(row, 0, kind);
            return new Decoded(new CifarRecord((int) label, pixels, source, index), index, null);
        } catch (IllegalArgumentException e) {
            return new Decoded(null, index, at + columns.image() + "': the image " + e.getMessage());
        }
    }

    /**
     * The planar RGB pixels of field {@code i} of {@code row} (not null), held as {@code kind} says.
     *
     * @throws IllegalArgumentException saying what is wrong with the image
     */
    static byte[] pixels(Row row, int i, Kind kind) {
        return switch (kind) {
            case IMAGE_SCHEMA -> fromImageSchema(row.getStruct(i));
            case BINARY -> fromBytes(row.getAs(i));
            case BYTES_STRUCT -> {
                Row s = row.getStruct(i);
                int b = s.fieldIndex("bytes");
                if (s.isNullAt(b)) {
                    throw new IllegalArgumentException("holds no bytes");
                }
                yield fromBytes(s.getAs(b));
            }
        };
    }

    /** Spark's image struct: interleaved BGR, row-major. */
    static byte[] fromImageSchema(Row image) {
        int h = image.getInt(image.fieldIndex("height"));
        int w = image.getInt(image.fieldIndex("width"));
        int c = image.getInt(image.fieldIndex("nChannels"));
        requireShape(w, h, c);
        byte[] data = image.getAs(image.fieldIndex("data"));
        if (data == null || data.length != CifarFormat.PIXEL_BYTES) {
            throw new IllegalArgumentException("has " + (data == null ? 0 : data.length) + " data bytes, expected "
                    + CifarFormat.PIXEL_BYTES);
        }
        int plane = CifarFormat.IMAGE_SIZE * CifarFormat.IMAGE_SIZE;
        byte[] pixels = new byte[CifarFormat.PIXEL_BYTES];
        for (int p = 0; p < plane; p++) {
            pixels[p] = data[3 * p + 2];
            pixels[plane + p] = data[3 * p + 1];
            pixels[2 * plane + p] = data[3 * p];
        }
        return pixels;
    }

    /**
     * Encoded image bytes, or 3,072 raw bytes of a CIFAR row. The length alone cannot tell them apart (a 32x32 PNG
     * or JPEG file may be 3,072 bytes long, and raw pixels may start as such a file does), so 3,072 bytes are an
     * image when they decode as one, and raw pixels when they do not.
     */
    static byte[] fromBytes(byte[] bytes) {
        boolean raw = bytes.length == CifarFormat.PIXEL_BYTES;
        BufferedImage img = raw && !encoded(bytes) ? null : image(bytes);
        if (img == null && raw) {
            return bytes.clone();
        }
        return pixels(img, bytes.length);
    }

    /** Whether {@code bytes} begin with the PNG signature or JPEG's start-of-image marker. */
    private static boolean encoded(byte[] b) {
        return b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                || b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /** The image {@code bytes} encode, or null when they are none that ImageIO reads. */
    private static BufferedImage image(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The planar RGB pixels of a PNG or JPEG image.
     *
     * @throws IllegalArgumentException saying what is wrong: no image, another size, other than 3 channels
     */
    static byte[] decode(byte[] bytes) {
        return pixels(image(bytes), bytes.length);
    }

    /** The planar RGB pixels of {@code img} (null: the {@code length} bytes were no image). */
    private static byte[] pixels(BufferedImage img, int length) {
        if (img == null) {
            throw new IllegalArgumentException("is not a PNG or JPEG image (" + length + " bytes; raw CIFAR "
                    + "pixels are " + CifarFormat.PIXEL_BYTES + ")");
        }
        requireShape(img.getWidth(), img.getHeight(), img.getColorModel().getNumComponents());
        int plane = CifarFormat.IMAGE_SIZE * CifarFormat.IMAGE_SIZE;
        byte[] pixels = new byte[CifarFormat.PIXEL_BYTES];
        for (int y = 0; y < CifarFormat.IMAGE_SIZE; y++) {
            for (int x = 0; x < CifarFormat.IMAGE_SIZE; x++) {
                int rgb = img.getRGB(x, y);
                int p = y * CifarFormat.IMAGE_SIZE + x;
                pixels[p] = (byte) (rgb >> 16);
                pixels[plane + p] = (byte) (rgb >> 8);
                pixels[2 * plane + p] = (byte) rgb;
            }
        }
        return pixels;
    }

    private static void requireShape(int width, int height, int channels) {
        if (width != CifarFormat.IMAGE_SIZE || height != CifarFormat.IMAGE_SIZE) {
            throw new IllegalArgumentException("is " + width + "x" + height + ", expected 32x32 (images are not "
                    + "resized)");
        }
        if (channels != CifarFormat.CHANNELS) {
            throw new IllegalArgumentException("has " + channels + " channel(s), expected 3 (grayscale and alpha "
                    + "are not converted)");
        }
    }
}
