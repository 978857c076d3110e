package io.mkcnn.config;

import io.mkcnn.data.BinaryLayout;
import io.mkcnn.data.LabelSet;
import java.io.Serializable;

/**
 * Where the records come from and what they hold ({@code data.*}).
 *
 * @param train the training records: CIFAR binary files, a Parquet table or an image folder (a file, directory or
 *     glob, local or on a Hadoop file system)
 * @param test the records scored at the end (and every {@code eval.test.every.epochs}); without a validation set,
 *     also the records evaluated after epochs; empty for none when there is a validation set
 * @param validation records held out to evaluate after epochs and to choose the best model by; empty for none
 * @param validationFraction the fraction of the training records held out instead (seeded and class-stratified);
 *     0 for none
 * @param format the binary record layout and the labels' classes: CIFAR-10, or CIFAR-100
 * @param cifar100Labels which CIFAR-100 label is trained on: the 100 fine classes or the 20 coarse ones
 * @param imageColumn a Parquet table's image column
 * @param labelColumn a Parquet table's label column
 */
public record DataConfig(String train, String test, String validation, double validationFraction, Format format,
                         Cifar100Labels cifar100Labels, String imageColumn, String labelColumn)
        implements Serializable {

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
        String validation = s.string("data.validation", "");
        double fraction = s.doubleValue("data.validation.fraction", 0.0, 0.0, 0.9);
        if (!validation.isBlank() && fraction > 0) {
            s.problem("data.validation.fraction", String.valueOf(fraction), "data.validation (" + validation
                    + ") is set too: give a validation path or a fraction of the training records, not both");
        }
        return new DataConfig(s.string("data.train", ""), s.string("data.test", ""), validation, fraction,
                s.enumValue("data.format", Format.CIFAR10),
                s.enumValue("data.cifar100.labels", Cifar100Labels.FINE),
                s.string("data.image.column", "img"),
                s.string("data.label.column", "label"));
    }

    /** Whether the run holds records out for validation (a path, or a fraction of the training records). */
    public boolean hasValidation() {
        return !validation.isBlank() || validationFraction > 0;
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
