package io.mkcnn.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mkcnn.data.CifarRecord;
import io.mkcnn.data.InvalidDataException;
import io.mkcnn.testutil.Records;
import io.mkcnn.testutil.SparkTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** DataFrame rows as records: each accepted image form gives the record's own pixels; bad rows are named. */
class ImageRowsTest extends SparkTest {
    private static final List<CifarRecord> RECORDS = Records.synthetic(12, 5);

    private static SparkSession spark() {
        return SparkSession.builder().sparkContext(sc.sc()).getOrCreate();
    }

    /** The session shares the class's context; left as the default it would outlive it. */
    @AfterAll
    static void forgetSession() {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private static Dataset<Row> frame(DataType imageType, DataType labelType, List<Row> rows) {
        StructType schema = new StructType().add("img", imageType).add("label", labelType);
        return spark().createDataFrame(rows, schema);
    }

    private static List<CifarRecord> decoded(Dataset<Row> df) {
        return ImageRows.records(df, "img", "label", "t").collect().stream()
                .sorted(Comparator.comparingLong(CifarRecord::index)).toList();
    }

    private static void assertSameImages(List<CifarRecord> got) {
        assertEquals(RECORDS.size(), got.size());
        for (int i = 0; i < RECORDS.size(); i++) {
            assertEquals(i, got.get(i).index());
            assertEquals(RECORDS.get(i).label(), got.get(i).label());
            assertArrayEquals(RECORDS.get(i).pixels(), got.get(i).pixels(), "row " + i);
        }
    }

    /** A record's image as an RGB image of {@code type} (TYPE_INT_RGB, or grey/alpha for the refusals). */
    private static BufferedImage image(CifarRecord r, int size, int type) {
        BufferedImage img = new BufferedImage(size, size, type);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int red = r.pixel(0, y % 32, x % 32) & 0xFF;
                int green = r.pixel(1, y % 32, x % 32) & 0xFF;
                int blue = r.pixel(2, y % 32, x % 32) & 0xFF;
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return img;
    }

    private static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rawCifarBytesWithIntLabels() {
        List<Row> rows = new ArrayList<>();
        RECORDS.forEach(r -> rows.add(RowFactory.create(r.pixels(), r.label())));
        assertSameImages(decoded(frame(DataTypes.BinaryType, DataTypes.IntegerType, rows)));
    }

    @Test
    void pngBytesWithLongLabelsAndTheParquetStructOfBytes() {
        List<Row> rows = new ArrayList<>();
        List<Row> structs = new ArrayList<>();
        for (CifarRecord r : RECORDS) {
            byte[] png = png(image(r, 32, BufferedImage.TYPE_INT_RGB));
            rows.add(RowFactory.create(png, (long) r.label()));
            structs.add(RowFactory.create(RowFactory.create(png, "x.png"), (long) r.label()));
        }
        assertSameImages(decoded(frame(DataTypes.BinaryType, DataTypes.LongType, rows)));
        StructType img = new StructType().add("bytes", DataTypes.BinaryType).add("path", DataTypes.StringType);
        assertSameImages(decoded(frame(img, DataTypes.LongType, structs)));
    }

    /** Spark's image data source: interleaved BGR, row-major. */
    @Test
    void sparksImageStruct() {
        StructType img = new StructType().add("origin", DataTypes.StringType).add("height", DataTypes.IntegerType)
                .add("width", DataTypes.IntegerType).add("nChannels", DataTypes.IntegerType)
                .add("mode", DataTypes.IntegerType).add("data", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (CifarRecord r : RECORDS) {
            byte[] bgr = new byte[3072];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    int p = (y * 32 + x) * 3;
                    bgr[p] = (byte) r.pixel(2, y, x);
                    bgr[p + 1] = (byte) r.pixel(1, y, x);
                    bgr[p + 2] = (byte) r.pixel(0, y, x);
                }
            }
            rows.add(RowFactory.create(RowFactory.create("f.png", 32, 32, 3, 16, bgr), (short) r.label()));
        }
        assertSameImages(decoded(frame(img, DataTypes.ShortType, rows)));
        // the image source's grayscale and larger images are refused, not converted
        List<Row> grey = new ArrayList<>(rows);
        grey.set(1, RowFactory.create(RowFactory.create("g.png", 32, 32, 1, 0, new byte[1024]), (short) 1));
        String g = assertThrows(InvalidDataException.class, () -> decoded(frame(img, DataTypes.ShortType, grey)))
                .getMessage();
        assertTrue(g.contains("row 1, column 'img'") && g.contains("1 channel(s), expected 3"), g);
        List<Row> big = new ArrayList<>(rows);
        big.set(2, RowFactory.create(RowFactory.create("b.png", 64, 64, 3, 16, new byte[64 * 64 * 3]), (short) 1));
        String b = assertThrows(InvalidDataException.class, () -> decoded(frame(img, DataTypes.ShortType, big)))
                .getMessage();
        assertTrue(b.contains("row 2, column 'img'") && b.contains("is 64x64, expected 32x32"), b);
    }

    private static String refused(DataType imageType, DataType labelType, List<Row> rows) {
        return assertThrows(InvalidDataException.class, () -> decoded(frame(imageType, labelType, rows)))
                .getMessage();
    }

    /** Rows 0..n-1 of good PNGs with {@code bad} at row {@code at}. */
    private static List<Row> withBadRow(int at, Row bad) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            CifarRecord r = RECORDS.get(i);
            rows.add(i == at ? bad : RowFactory.create(png(image(r, 32, BufferedImage.TYPE_INT_RGB)), r.label()));
        }
        return rows;
    }

    @Test
    void badRowsAreNamedByColumnAndFirstRow() {
        CifarRecord r = RECORDS.get(0);
        String size = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(3, RowFactory.create(png(image(r, 28, BufferedImage.TYPE_INT_RGB)), 1)));
        assertTrue(size.contains("row 3, column 'img'") && size.contains("28x28, expected 32x32"), size);
        String grey = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(2, RowFactory.create(png(image(r, 32, BufferedImage.TYPE_BYTE_GRAY)), 1)));
        assertTrue(grey.contains("row 2, column 'img'") && grey.contains("1 channel(s), expected 3"), grey);
        String alpha = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(4, RowFactory.create(png(image(r, 32, BufferedImage.TYPE_INT_ARGB)), 1)));
        assertTrue(alpha.contains("row 4") && alpha.contains("4 channel(s)"), alpha);
        String junk = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(1, RowFactory.create(new byte[] {1, 2, 3}, 1)));
        assertTrue(junk.contains("row 1, column 'img'") && junk.contains("not a PNG or JPEG"), junk);
        String label = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(5, RowFactory.create(r.pixels(), 10)));
        assertTrue(label.contains("row 5, column 'label' is 10, expected a label 0..9"), label);
        String nul = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(0, RowFactory.create(r.pixels(), null)));
        assertTrue(nul.contains("row 0, column 'label' is null"), nul);
        String noImage = refused(DataTypes.BinaryType, DataTypes.IntegerType,
                withBadRow(3, RowFactory.create(null, 1)));
        assertTrue(noImage.contains("row 3, column 'img' is null, expected an image"), noImage);
        // two bad rows: the first is named
        List<Row> two = withBadRow(4, RowFactory.create(r.pixels(), 11));
        two.set(2, RowFactory.create(r.pixels(), -1));
        String first = refused(DataTypes.BinaryType, DataTypes.IntegerType, two);
        assertTrue(first.contains("row 2, column 'label' is -1"), first);
    }

    @Test
    void columnsOfTheWrongKindAreNamed() {
        CifarRecord r = RECORDS.get(0);
        String text = refused(DataTypes.BinaryType, DataTypes.StringType,
                List.of(RowFactory.create(r.pixels(), "cat")));
        assertTrue(text.contains("column 'label' is string, expected an integer type"), text);
        String notImage = refused(DataTypes.StringType, DataTypes.IntegerType, List.of(RowFactory.create("x", 1)));
        assertTrue(notImage.contains("column 'img' is string, expected image bytes"), notImage);
        InvalidDataException missing = assertThrows(InvalidDataException.class, () -> ImageRows.records(
                frame(DataTypes.BinaryType, DataTypes.IntegerType, List.of(RowFactory.create(r.pixels(), 1))),
                "image", "label", "t"));
        assertTrue(missing.getMessage().contains("no column 'image' (columns: img, label)"), missing.getMessage());
    }
}
