package io.mkcnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmenterTest {
    private static final double TOL = 1e-4;

    /** Value stored at channel c, row y, column x of {@link #positional()}. */
    private static int value(int c, int y, int x) {
        return (c * 50 + y * 3 + x) & 0xFF;
    }

    private static byte[] positional() {
        byte[] pixels = new byte[CifarFormat.PIXEL_BYTES];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    pixels[c * 1024 + y * 32 + x] = (byte) value(c, y, x);
                }
            }
        }
        return pixels;
    }

    private static byte[] randomImage(long seed) {
        byte[] pixels = new byte[CifarFormat.PIXEL_BYTES];
        new Random(seed).nextBytes(pixels);
        return pixels;
    }

    private static double mean(float[] v) {
        double sum = 0;
        for (float f : v) {
            sum += f;
        }
        return sum / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double sum = 0;
        for (float f : v) {
            sum += (f - m) * (f - m);
        }
        return Math.sqrt(sum / v.length);
    }

    @Test
    void centreCropTakesRowsAndColumnsFourToTwentySevenInChwOrder() {
        float[] crop = Augmenter.crop(positional(), 4, 4, false);
        assertEquals(3 * 24 * 24, crop.length);
        assertEquals(value(0, 4, 4), crop[0]);
        assertEquals(value(0, 4, 27), crop[23]);
        assertEquals(value(0, 5, 4), crop[24]);
        assertEquals(value(1, 4, 4), crop[576]);
        assertEquals(value(2, 27, 27), crop[1727]);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 24; y++) {
                for (int x = 0; x < 24; x++) {
                    assertEquals(value(c, y + 4, x + 4), crop[c * 576 + y * 24 + x], "c=" + c + " y=" + y + " x=" + x);
                }
            }
        }
    }

    @Test
    void evalIsStandardisedCentreCrop() {
        byte[] pixels = randomImage(8); // not the positional image: standardisation hides a shifted window there
        float[] crop = Augmenter.crop(pixels, 4, 4, false);
        double m = mean(crop);
        double s = std(crop);
        float[] out = Augmenter.eval(pixels);
        for (int i = 0; i < out.length; i++) {
            assertEquals((crop[i] - m) / s, out[i], TOL);
        }
    }

    @Test
    void evalHasZeroMeanAndUnitStd() {
        float[] out = Augmenter.eval(randomImage(3));
        assertEquals(0, mean(out), 1e-5);
        assertEquals(1, std(out), 1e-4);
    }

    @Test
    void flipMirrorsColumnsOfTheSameWindow() {
        byte[] pixels = positional();
        float[] flipped = Augmenter.crop(pixels, 2, 8, true);
        assertEquals(value(0, 2, 8 + 23), flipped[0]);
        assertEquals(value(0, 2, 8), flipped[23]);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 24; y++) {
                for (int x = 0; x < 24; x++) {
                    assertEquals(value(c, y + 2, 8 + 23 - x), flipped[c * 576 + y * 24 + x]);
                }
            }
        }
    }

    @Test
    void brightnessAddsWithoutClipping() {
        float[] image = {250f, 0f, 10f};
        Augmenter.adjustBrightness(image, 63f);
        assertArrayEquals(new float[] {313f, 63f, 73f}, image);
    }

    @Test
    void contrastScalesAroundEachChannelsOwnMean() {
        float[] image = new float[1728];
        Arrays.fill(image, 0, 576, 10f);
        Arrays.fill(image, 576, 1152, 100f);
        Arrays.fill(image, 1152, 1728, 200f);
        image[0] = 16f; // channel 0 mean becomes 10 + 6/576
        float[] before = image.clone();
        Augmenter.adjustContrast(image, 2f);
        double mean0 = 10 + 6.0 / 576;
        assertEquals((16 - mean0) * 2 + mean0, image[0], TOL);
        assertEquals((10 - mean0) * 2 + mean0, image[1], TOL);
        // constant channels are unchanged: a global mean would have moved them
        assertArrayEquals(Arrays.copyOfRange(before, 576, 1728), Arrays.copyOfRange(image, 576, 1728));
    }

    @Test
    void standardisationFloorsTinyStd() {
        float[] constant = new float[1728];
        Arrays.fill(constant, 37f);
        Augmenter.standardise(constant);
        for (float v : constant) {
            assertEquals(0f, v);
        }
        float[] tiny = new float[1728];
        tiny[0] = 0.01f; // std ~ 0.00024 < 1/sqrt(1728) ~ 0.024
        Augmenter.standardise(tiny);
        double floor = 1 / Math.sqrt(1728);
        assertEquals((0.01 - 0.01 / 1728) / floor, tiny[0], 1e-6);
        assertEquals((-0.01 / 1728) / floor, tiny[1], 1e-7);
    }

    @Test
    void constantImageGivesZerosNotNaN() {
        byte[] grey = new byte[CifarFormat.PIXEL_BYTES];
        Arrays.fill(grey, (byte) 128);
        for (float v : Augmenter.eval(grey)) {
            assertEquals(0f, v);
        }
        Random rng = new Random(1);
        for (int i = 0; i < 20; i++) {
            for (float v : Augmenter.train(grey, rng)) {
                assertTrue(Float.isFinite(v));
                assertEquals(0f, v, 1e-3);
            }
        }
    }

    @Test
    void drawsCoverTheDocumentedRanges() {
        Random rng = new Random(11);
        int[] minOffset = {99, 99};
        int[] maxOffset = {-1, -1};
        int flips = 0;
        float minDelta = 99;
        float maxDelta = -99;
        float minFactor = 99;
        float maxFactor = -99;
        int n = 4000;
        for (int i = 0; i < n; i++) {
            Augmenter.Distortion d = Augmenter.Distortion.draw(rng);
            minOffset[0] = Math.min(minOffset[0], d.top);
            minOffset[1] = Math.min(minOffset[1], d.left);
            maxOffset[0] = Math.max(maxOffset[0], d.top);
            maxOffset[1] = Math.max(maxOffset[1], d.left);
            flips += d.flip ? 1 : 0;
            minDelta = Math.min(minDelta, d.brightness);
            maxDelta = Math.max(maxDelta, d.brightness);
            minFactor = Math.min(minFactor, d.contrast);
            maxFactor = Math.max(maxFactor, d.contrast);
        }
        assertArrayEquals(new int[] {0, 0}, minOffset, "top, left");
        assertArrayEquals(new int[] {8, 8}, maxOffset, "top, left");
        assertEquals(0.5, flips / (double) n, 0.03);
        assertTrue(minDelta >= -63 && minDelta < -62, "min brightness " + minDelta);
        assertTrue(maxDelta <= 63 && maxDelta > 62, "max brightness " + maxDelta);
        assertTrue(minFactor >= 0.2f && minFactor < 0.22f, "min contrast " + minFactor);
        assertTrue(maxFactor <= 1.8f && maxFactor > 1.78f, "max contrast " + maxFactor);
    }

    @Test
    void trainAppliesCropFlipBrightnessContrastThenStandardisation() {
        byte[] pixels = randomImage(5);
        Augmenter.Distortion d = new Augmenter.Distortion(1, 7, true, -20f, 1.5f);
        float[] expected = Augmenter.crop(pixels, 1, 7, true);
        double[] channelMean = new double[3];
        for (int i = 0; i < expected.length; i++) {
            channelMean[i / 576] += (expected[i] - 20f) / 576.0;
        }
        float[] manual = new float[expected.length];
        for (int i = 0; i < expected.length; i++) {
            manual[i] = (float) ((expected[i] - 20f - channelMean[i / 576]) * 1.5 + channelMean[i / 576]);
        }
        double m = mean(manual);
        double s = std(manual);
        float[] out = Augmenter.distort(pixels, d);
        for (int i = 0; i < out.length; i++) {
            assertEquals((manual[i] - m) / s, out[i], TOL);
        }
        assertEquals(0, mean(out), 1e-5);
        assertEquals(1, std(out), 1e-4);
    }

    @Test
    void trainIsReproducibleForASeedAndVariesAcrossSeeds() {
        byte[] pixels = randomImage(9);
        float[] a = Augmenter.train(pixels, new Random(42));
        float[] b = Augmenter.train(pixels, new Random(42));
        float[] c = Augmenter.train(pixels, new Random(43));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        assertArrayEquals(Augmenter.distort(pixels, Augmenter.Distortion.draw(new Random(42))), a);
    }
}
