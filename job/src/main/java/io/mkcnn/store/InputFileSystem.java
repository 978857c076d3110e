package io.mkcnn.store;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;

/**
 * The local file system for reading inputs: Hadoop's own, opening files without their checksum files. Hadoop names
 * a checksum file after its file ({@code .NAME.crc}) and cannot when the name holds a colon
 * ({@code 007 12:30 shot.png}); inputs have no checksum files.
 */
public final class InputFileSystem extends LocalFileSystem {
    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setVerifyChecksum(false);
    }
}
