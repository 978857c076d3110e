package io.mkcnn.testutil;

import io.mkcnn.data.CifarFormat;
import io.mkcnn.data.CifarRecord;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Records as encoded image files, as image folders and Parquet tables hold them. */
public final class Images {
    private Images() {
    }

    /** A record's 32x32 RGB image. */
    public static BufferedImage image(CifarRecord r) {
        BufferedImage img = new BufferedImage(CifarFormat.IMAGE_SIZE, CifarFormat.IMAGE_SIZE,
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < CifarFormat.IMAGE_SIZE; y++) {
            for (int x = 0; x < CifarFormat.IMAGE_SIZE; x++) {
                img.setRGB(x, y, (r.pixel(0, y, x) << 16) | (r.pixel(1, y, x) << 8) | r.pixel(2, y, x));
            }
        }
        return img;
    }

    /** A record as a PNG file. */
    public static byte[] png(CifarRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image(r), "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A record as a PNG file of exactly {@code length} bytes: its image, padded with a text chunk before the end
     * chunk (a reader skips it).
     */
    public static byte[] png(CifarRecord r, int length) {
        byte[] png = png(r);
        int text = length - png.length - 12; // a chunk: length, type, data, CRC
        if (text < 0) {
            throw new IllegalArgumentException("the record's PNG is " + png.length + " bytes, over " + length);
        }
        byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
        byte[] data = new byte[text];
        java.util.Arrays.fill(data, (byte) 'x');
        System.arraycopy("Comment\0".getBytes(StandardCharsets.US_ASCII), 0, data, 0, Math.min(8, text));
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(data);
        int end = png.length - 12; // the IEND chunk
        return ByteBuffer.allocate(length).put(png, 0, end).putInt(text).put(type).put(data)
                .putInt((int) crc.getValue()).put(png, end, 12).array();
    }
}
