package io.mkcnn.input;

import io.mkcnn.data.InvalidDataException;
import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The images of one DataFrame column, read row by row (for a transform that keeps every other column), in any of the
 * forms {@link ImageRows} accepts.
 */
public final class ImageColumn implements Serializable {
    private final ImageRows.Kind kind;
    private final int index;
    private final String column;
    private final String source;

    ImageColumn(ImageRows.Kind kind, int index, String column, String source) {
        this.kind = kind;
        this.index = index;
        this.column = column;
        this.source = source;
    }

    /**
     * The planar RGB pixels of {@code row}'s image.
     *
     * @param where the row's place, for the message (e.g. "partition 3, row 17")
     * @throws InvalidDataException naming the column and {@code where} when the image is null or not 32x32 RGB
     */
    public byte[] pixels(Row row, String where) {
        String at = source + ": " + where + ", column '" + column + "'";
        if (row.isNullAt(index)) {
            throw new InvalidDataException(at + " is null, expected an image");
        }
        try {
            return ImageRows.pixels(row, index, kind);
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(at + ": the image " + e.getMessage());
        }
    }

    /**
     * The images of {@code column} of a DataFrame of {@code schema}.
     *
     * @throws InvalidDataException naming the column when it is missing or holds no images
     */
    public static ImageColumn of(StructType schema, String column, String source) {
        return new ImageColumn(ImageRows.kind(schema, column, source), schema.fieldIndex(column), column, source);
    }
}
