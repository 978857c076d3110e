package io.mkcnn.data;

import java.util.List;

/** The CIFAR-10 binary record layout: one label byte, then 32x32 red, green and blue planes. */
public final class CifarFormat {
    public static final int IMAGE_SIZE = 32;
    public static final int CHANNELS = 3;
    public static final int PIXEL_BYTES = IMAGE_SIZE * IMAGE_SIZE * CHANNELS;
    public static final int RECORD_BYTES = 1 + PIXEL_BYTES;
    public static final int NUM_CLASSES = 10;
    /** Side of the crop fed to the network. */
    public static final int CROP_SIZE = 24;
    public static final List<String> CLASS_NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private CifarFormat() {
    }
}
