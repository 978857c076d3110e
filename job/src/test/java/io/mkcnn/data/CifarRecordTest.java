package io.mkcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class CifarRecordTest {

    /** A record whose pixel at (c, y, x) is {@code (c * 50 + y * 3 + x) mod 256}. */
    private static byte[] recordBytes(int label) {
        byte[] bytes = new byte[CifarFormat.RECORD_BYTES];
        bytes[0] = (byte) label;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    bytes[1 + c * 1024 + y * 32 + x] = (byte) (c * 50 + y * 3 + x);
                }
            }
        }
        return bytes;
    }

    @Test
    void parseReadsLabelAndPlanarPixels() {
        byte[] bytes = recordBytes(7);
        CifarRecord record = CifarRecord.parse(bytes, "data_batch_1.bin", 42);
        assertEquals(7, record.label());
        assertEquals("data_batch_1.bin", record.source());
        assertEquals(42, record.index());
        assertEquals(0, record.pixel(0, 0, 0));
        assertEquals(3 * 31 + 31, record.pixel(0, 31, 31));
        assertEquals((2 * 50 + 3 * 10 + 5) & 0xFF, record.pixel(2, 10, 5));
        assertEquals(50 + 6, record.pixels()[1024 + 64]);
        assertArrayEquals(bytes, record.toBytes());
    }

    @Test
    void pixelValuesAreUnsigned() {
        byte[] bytes = recordBytes(0);
        bytes[1] = (byte) 200;
        assertEquals(200, CifarRecord.parse(bytes, "f", 0).pixel(0, 0, 0));
    }

    @Test
    void wrongLengthIsRejectedWithFileAndIndex() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarRecord.parse(new byte[3072], "/data/data_batch_3.bin", 17));
        assertEquals("/data/data_batch_3.bin: record 17 has 3072 bytes, expected 3073", e.getMessage());
    }

    @Test
    void labelOutsideTenClassesSuggestsWrongDataset() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CifarRecord.parse(recordBytes(10), "train.bin", 5));
        assertEquals("train.bin: record 5 has label 10, expected 0..9 (is this a CIFAR-10 binary file?)",
                e.getMessage());
        InvalidDataException unsigned = assertThrows(InvalidDataException.class,
                () -> CifarRecord.parse(recordBytes(0xFF), "train.bin", 0));
        assertEquals("train.bin: record 0 has label 255, expected 0..9 (is this a CIFAR-10 binary file?)",
                unsigned.getMessage());
    }

    @Test
    void recordIsImmutable() {
        byte[] bytes = recordBytes(3);
        CifarRecord record = CifarRecord.parse(bytes, "f", 0);
        bytes[1] = 99;
        record.pixels()[0] = 99;
        assertEquals(0, record.pixel(0, 0, 0));
        byte[] pixels = new byte[CifarFormat.PIXEL_BYTES];
        CifarRecord built = new CifarRecord(1, pixels, "f", 0);
        pixels[0] = 5;
        assertEquals(0, built.pixel(0, 0, 0));
    }

    @Test
    void constructorRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new CifarRecord(100, new byte[3072], "f", 0));
        assertThrows(IllegalArgumentException.class, () -> new CifarRecord(-1, new byte[3072], "f", 0));
        assertThrows(IllegalArgumentException.class, () -> new CifarRecord(1, new byte[3073], "f", 0));
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        CifarRecord record = CifarRecord.parse(recordBytes(9), "test_batch.bin", 9999);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(buffer)) {
            out.writeObject(record);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buffer.toByteArray()))) {
            CifarRecord copy = (CifarRecord) in.readObject();
            assertEquals(record, copy);
            assertArrayEquals(record.toBytes(), copy.toBytes());
            assertEquals("CifarRecord[test_batch.bin#9999 label=9]", copy.toString());
        }
    }
}
