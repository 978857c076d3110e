package io.mkcnn.config;

import java.io.Serializable;

/**
 * Where the records come from ({@code data.*}).
 *
 * @param train the training records: a file, directory or glob, local or on a Hadoop file system
 * @param test the records evaluated after epochs and at the end; empty for none
 */
public record DataConfig(String train, String test) implements Serializable {

    static DataConfig read(Settings s) {
        return new DataConfig(s.string("data.train", ""), s.string("data.test", ""));
    }
}
