package io.mkcnn.config;

import io.mkcnn.data.BinaryLayout;
import io.mkcnn.data.LabelSet;
import java.io.Serializable;

/**
 * Where the records come from and what they hold ({@code data.*}).
 *
 * @param train the training records: CIFAR binary files, a Parquet table or an image folder (a file, directory or
 *     glob, local or on a Hadoop file system)
 * @param test the records evaluated after epochs and at the end
 * @param format the binary record layout and the labels' classes: CIFAR-10, or CIFAR-100
 * @param cifar100Labels which CIFAR-100 label is trained on: the 100 fine classes or the 20 coarse ones
 * @param imageColumn a Parquet table's image column
 * @param labelColumn a Parquet table's label column
 */
public record DataConfig(String train, String test, Format format, Cifar100Labels cifar100Labels,
                         String imageColumn, String labelColumn) implements Serializable {

    /** The binary record layouts. */
    public enum Format {
        /** One label byte and 3,072 pixel bytes a record. */
        CIFAR10,
        /** A coarse and a fine label byte and 3,072 pixel bytes a record. */
        CIFAR100
    }

    /** The two labels of a CIFAR-100 record. */
    public enum Cifar100Labels { FINE, COARSE }

    static DataConfig read(Settings s) {
        return new DataConfig(s.string("data.train", ""), s.string("data.test", ""),
                s.enumValue("data.format", Format.CIFAR10),
                s.enumValue("data.cifar100.labels", Cifar100Labels.FINE),
                s.string("data.image.column", "img"),
                s.string("data.label.column", "label"));
    }

    /** The binary record layout and the label trained on. */
    public BinaryLayout layout() {
        return format == Format.CIFAR10 ? BinaryLayout.CIFAR10
                : cifar100Labels == Cifar100Labels.FINE ? BinaryLayout.CIFAR100_FINE : BinaryLayout.CIFAR100_COARSE;
    }

    /** The classes the labels number, and so the network's outputs. */
    public LabelSet labelSet() {
        return layout().labels();
    }
}
