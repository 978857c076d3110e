package io.mkcnn.data;

import java.util.Random;

/**
 * The input pipeline of TensorFlow's CIFAR-10 tutorial ({@code cifar10_input.py}) applied to one
 * record's planar RGB pixels. Output is {@code 3 x 24 x 24} floats in CHW order (channel plane, then
 * rows, then columns), ready for an NCHW network.
 *
 * <p>Training: random 24x24 crop, random horizontal flip, random brightness, random contrast, then
 * per-image standardisation. Evaluation: centre crop, then per-image standardisation. As in
 * TensorFlow, the brightness delta is added before standardisation, which removes it again; it is
 * kept so that the sequence of random draws and the arithmetic match the reference.
 *
 * <p>Stateless, so both entry points are static and a Spark closure using them captures nothing.
 * All randomness comes from the {@link Random} passed in, drawn in the order crop row offset, crop
 * column offset, flip, brightness delta, contrast factor.
 */
public final class Augmenter {
    public static final int CROP = CifarFormat.CROP_SIZE;
    public static final int OUTPUT_LENGTH = CifarFormat.CHANNELS * CROP * CROP;
    /** Largest crop offset; offsets are drawn uniformly from {@code 0..MAX_OFFSET}. */
    public static final int MAX_OFFSET = CifarFormat.IMAGE_SIZE - CROP;
    public static final int CENTRE_OFFSET = MAX_OFFSET / 2;
    public static final float MAX_BRIGHTNESS_DELTA = 63f;
    public static final float CONTRAST_LOWER = 0.2f;
    public static final float CONTRAST_UPPER = 1.8f;

    private static final int PLANE = CROP * CROP;
    private static final int SIZE = CifarFormat.IMAGE_SIZE;

    private Augmenter() {
    }

    /** Randomly distorted, standardised 24x24 view of {@code pixels} for training. */
    public static float[] train(byte[] pixels, Random rng) {
        return distort(pixels, Distortion.draw(rng));
    }

    /** Centre 24x24 crop of {@code pixels}, standardised, for evaluation. */
    public static float[] eval(byte[] pixels) {
        float[] image = crop(pixels, CENTRE_OFFSET, CENTRE_OFFSET, false);
        standardise(image);
        return image;
    }

    /** Applies one drawn distortion: crop and flip, brightness, contrast, then standardisation. */
    static float[] distort(byte[] pixels, Distortion d) {
        float[] image = crop(pixels, d.top, d.left, d.flip);
        adjustBrightness(image, d.brightness);
        adjustContrast(image, d.contrast);
        standardise(image);
        return image;
    }

    /**
     * The 24x24 window at ({@code top}, {@code left}) as CHW floats in 0..255, mirrored left to right
     * when {@code flip} is set.
     */
    static float[] crop(byte[] pixels, int top, int left, boolean flip) {
        if (pixels.length != CifarFormat.PIXEL_BYTES) {
            throw new IllegalArgumentException("expected " + CifarFormat.PIXEL_BYTES + " pixel bytes, got "
                    + pixels.length);
        }
        if (top < 0 || top > MAX_OFFSET || left < 0 || left > MAX_OFFSET) {
            throw new IllegalArgumentException("crop offset (" + top + ", " + left + ") outside 0.." + MAX_OFFSET);
        }
        float[] out = new float[OUTPUT_LENGTH];
        for (int c = 0; c < CifarFormat.CHANNELS; c++) {
            for (int y = 0; y < CROP; y++) {
                int src = (c * SIZE + top + y) * SIZE + left;
                int dst = c * PLANE + y * CROP;
                for (int x = 0; x < CROP; x++) {
                    int sx = flip ? CROP - 1 - x : x;
                    out[dst + x] = pixels[src + sx] & 0xFF;
                }
            }
        }
        return out;
    }

    /** {@code tf.image.adjust_brightness} on a float image: adds {@code delta}, no clipping. */
    static void adjustBrightness(float[] image, float delta) {
        for (int i = 0; i < image.length; i++) {
            image[i] += delta;
        }
    }

    /** {@code tf.image.adjust_contrast}: scales each channel's deviation from its own mean by {@code factor}. */
    static void adjustContrast(float[] image, float factor) {
        int plane = image.length / CifarFormat.CHANNELS;
        for (int c = 0; c < CifarFormat.CHANNELS; c++) {
            int from = c * plane;
            double sum = 0;
            for (int i = from; i < from + plane; i++) {
                sum += image[i];
            }
            float mean = (float) (sum / plane);
            for (int i = from; i < from + plane; i++) {
                image[i] = (image[i] - mean) * factor + mean;
            }
        }
    }

    /**
     * {@code tf.image.per_image_standardization}: {@code (x - mean) / max(stddev, 1/sqrt(n))} over all
     * values, with the population standard deviation. The floor keeps a constant image finite (all 0).
     */
    static void standardise(float[] image) {
        int n = image.length;
        double sum = 0;
        for (float v : image) {
            sum += v;
        }
        double mean = sum / n;
        double squares = 0;
        for (float v : image) {
            double d = v - mean;
            squares += d * d;
        }
        double std = Math.max(Math.sqrt(squares / n), 1.0 / Math.sqrt(n));
        for (int i = 0; i < n; i++) {
            image[i] = (float) ((image[i] - mean) / std);
        }
    }

    /** The random choices for one training view. */
    static final class Distortion {
        final int top;
        final int left;
        final boolean flip;
        final float brightness;
        final float contrast;

        Distortion(int top, int left, boolean flip, float brightness, float contrast) {
            this.top = top;
            this.left = left;
            this.flip = flip;
            this.brightness = brightness;
            this.contrast = contrast;
        }

        /** Draws crop row, crop column, flip, brightness delta and contrast factor, in that order. */
        static Distortion draw(Random rng) {
            int top = rng.nextInt(MAX_OFFSET + 1);
            int left = rng.nextInt(MAX_OFFSET + 1);
            boolean flip = rng.nextBoolean();
            float brightness = (float) ((rng.nextDouble() * 2 - 1) * MAX_BRIGHTNESS_DELTA);
            float contrast = (float) (CONTRAST_LOWER + rng.nextDouble() * (CONTRAST_UPPER - CONTRAST_LOWER));
            return new Distortion(top, left, flip, brightness, contrast);
        }
    }
}
