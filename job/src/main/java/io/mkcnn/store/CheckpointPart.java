package io.mkcnn.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * State a checkpoint carries beside the model, in a file of its own (the outer optimizer's momentum buffer):
 * written with every checkpoint while it holds something, and read back on resume.
 */
public interface CheckpointPart {
    /** Values held now; 0 when there is nothing to write (before the first round, or a step without state). */
    long length();

    /** Whether a checkpoint after the run's first round must hold this part (else it is damaged). */
    boolean expected();

    void save(OutputStream out) throws IOException;

    void load(InputStream in) throws IOException;
}
